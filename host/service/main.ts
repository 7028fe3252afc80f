// `npm start`: the kiosk-reader service. For now it says what the product is and that no reader
// is attached; later issues make it the local HTTP + WebSocket service.
console.log('kiosk-reader: smart-card reader driver for self-service kiosks');
console.log('(social security card 社会保障卡, resident health card 居民健康卡, bank application)');
console.log('no reader attached');

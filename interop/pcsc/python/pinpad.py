# Stock PC/SC against the simulated reader (interop/pcsc/pinpad.test.ts): pyscard on
# Debian's /usr/bin/python3 talks to pcscd, which drives the reader through libccid's serial
# driver as a GemPC PinPad. Prints one JSON object per step on standard output; the PIN is typed
# on the simulator's keypad, never here.
import json
import sys
import time

from smartcard.scard import (
    SCARD_PROTOCOL_T0,
    SCARD_PROTOCOL_T1,
    SCARD_S_SUCCESS,
    SCARD_SCOPE_USER,
    SCARD_SHARE_SHARED,
    SCARD_STATE_PRESENT,
    SCARD_STATE_UNAWARE,
    SCardConnect,
    SCardControl,
    SCardEstablishContext,
    SCardGetErrorMessage,
    SCardGetStatusChange,
    SCardListReaders,
)

FEATURE_VERIFY_PIN_DIRECT = 0x06
FEATURE_MODIFY_PIN_DIRECT = 0x07
FEATURE_IFD_PIN_PROPERTIES = 0x0A
NAME = sys.argv[1]


def out(step, **fields):
    print(json.dumps({"step": step, **fields}), flush=True)


def check(hres, what):
    if hres != SCARD_S_SUCCESS:
        out("error", what=what, error=SCardGetErrorMessage(hres))
        sys.exit(1)


def ctl_code(code):
    return 0x42000000 + code


# pcscd may still be starting: its socket appears when it is ready for clients.
deadline = time.time() + 30
while True:
    hres, ctx = SCardEstablishContext(SCARD_SCOPE_USER)
    if hres == SCARD_S_SUCCESS or time.time() > deadline:
        break
    time.sleep(0.2)
check(hres, "SCardEstablishContext")

# pcscd loads the reader (about 1 s for the GemPC PinPad's LCD strings), then sees the card.
reader = None
deadline = time.time() + 30
while time.time() < deadline:
    hres, readers = SCardListReaders(ctx, [])
    named = [r for r in (readers or []) if r.startswith(NAME)]
    if hres == SCARD_S_SUCCESS and named:
        reader = named[0]
        hres, states = SCardGetStatusChange(ctx, 1000, [(reader, SCARD_STATE_UNAWARE)])
        if hres == SCARD_S_SUCCESS and states[0][1] & SCARD_STATE_PRESENT:
            break
    time.sleep(0.2)
else:
    out("error", what="reader and card", error=f"not seen in 30 s (reader {reader})")
    sys.exit(1)
out("reader", name=reader)

hres, card, protocol = SCardConnect(
    ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1
)
check(hres, "SCardConnect")
out("connect", protocol=protocol)

hres, tlv = SCardControl(card, ctl_code(3400), [])
check(hres, "CM_IOCTL_GET_FEATURE_REQUEST")
features = {}
while len(tlv) >= 6:
    features[tlv[0]] = int.from_bytes(bytes(tlv[2:6]), "big")
    tlv = tlv[6:]
out("features", tags=sorted(features))

hres, props = SCardControl(card, features[FEATURE_IFD_PIN_PROPERTIES], [])
check(hres, "IFD_PIN_PROPERTIES")
out("pin-properties", hex=bytes(props).hex())


def le(value, n):
    return list(value.to_bytes(n, "little"))


# PC/SC part 10 PIN_VERIFY_STRUCTURE for the social security card: cn BCD, PIN block size 0
# (the reader inserts the PIN and sets Lc), 4..16 digits, Enter validates, Chinese prompts.
VERIFY_APDU = [0x00, 0x20, 0x00, 0x00, 0x00]
verify = (
    [30, 0, 0x81, 0x00, 0x00]
    + le(0x0410, 2)
    + [0x02, 0x01]
    + le(0x0804, 2)
    + [0x00, 0, 0, 0]
    + le(len(VERIFY_APDU), 4)
    + VERIFY_APDU
)
# PIN_MODIFY_STRUCTURE: old PIN ‖ FF ‖ new PIN, confirmed (the card's 80 5E 01 00).
MODIFY_APDU = [0x80, 0x5E, 0x01, 0x00, 0x01, 0xFF]
modify = (
    [30, 0, 0x81, 0x00, 0x00, 0x00, 0x01]
    + le(0x0410, 2)
    + [0x03, 0x02, 0x03]
    + le(0x0804, 2)
    + [0x03, 0x01, 0x02, 0, 0, 0]
    + le(len(MODIFY_APDU), 4)
    + MODIFY_APDU
)

for step in sys.argv[2:]:
    code = FEATURE_VERIFY_PIN_DIRECT if step == "verify" else FEATURE_MODIFY_PIN_DIRECT
    hres, sw = SCardControl(card, features[code], verify if step == "verify" else modify)
    check(hres, step)
    out(step, sw=bytes(sw).hex().upper())

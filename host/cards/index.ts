// The card applications, for the driver's API, the CLI and the local service. Everything here sits
// on a CardChannel (channel.ts), which the driver's CardSession implements.
export { withTransaction, type CardChannel } from './channel.ts';
export {
  CardError,
  isCardError,
  toCardError,
  type CardErrorJson,
  type CardRole,
} from './card-error.ts';
export { NationalCode, nationalCodeOfStatusWord, nationalCodeText } from './national-codes.ts';
export { command, transceive } from './transceive.ts';
export { Psam, NO_TERMINAL_NUMBER } from './psam/psam.ts';

export { readSscBasic, type SscReadOptions } from './ssc/read-basic.ts';
export { identifySsc, type SscIdentity } from './ssc/identify.ts';
export { formatCardBasic, type SscBasicInfo } from './ssc/basic-info.ts';
export type { SscHolderData, SscIssuerData } from './ssc/items.ts';
export type { SscAlgorithm } from './ssc/algorithm.ts';
export {
  SscNationalInterface,
  nationalReplyJson,
  type IType,
  type NationalReply,
  type NationalReplyJson,
  type SscTerminal,
} from './ssc/national.ts';
export { SscNationalPin, type SscPinTerminal } from './ssc/national-pin.ts';
export type {
  HsmExternalAuthRequest,
  HsmFunction,
  HsmReadCardBasRequest,
  HsmRequest,
} from './ssc/hsm.ts';

export {
  readHealthCard,
  type HealthCardData,
  type HealthClinicalSummary,
  type HealthContact,
  type HealthHolderData,
  type HealthIssuerData,
  type HealthReadOptions,
} from './health/health-card.ts';

export { readBankCard, type BankCardData, type BankReadOptions } from './bank/bank-card.ts';

// Typed errors of the simulator. Every bad input (a key script, a link spec, a state file, a
// firmware that misuses the HAL) ends in one of these, with a `code` a caller can branch on.

export type SimulatorErrorCode =
  | 'clock'
  | 'hal-usage'
  | 'firmware-load'
  | 'key-script'
  | 'link-spec'
  | 'link'
  | 'flash-state'
  | 'fault-spec'
  | 'command'
  | 'line';

export class SimulatorError extends Error {
  readonly code: SimulatorErrorCode;
  constructor(code: SimulatorErrorCode, message: string) {
    super(message);
    this.name = 'SimulatorError';
    this.code = code;
  }
}

/** The virtual clock was used wrongly (negative delay, concurrent runs). */
export class ClockError extends SimulatorError {
  constructor(message: string) {
    super('clock', message);
    this.name = 'ClockError';
  }
}

/**
 * The firmware called a HAL import outside its contract (firmware/HAL.md): a bad slot, a buffer
 * outside memory, a second flash operation. Thrown inside the import, so it unwinds the firmware
 * like a hard fault; the reader records it as a panic and restarts the firmware.
 */
export class HalUsageError extends SimulatorError {
  readonly importName: string;
  constructor(importName: string, message: string) {
    super('hal-usage', `${importName}: ${message}`);
    this.name = 'HalUsageError';
    this.importName = importName;
  }
}

export class FirmwareLoadError extends SimulatorError {
  constructor(message: string) {
    super('firmware-load', message);
    this.name = 'FirmwareLoadError';
  }
}

export class KeyScriptError extends SimulatorError {
  /** The offending token. */
  readonly token: string;
  constructor(token: string, message: string) {
    super('key-script', message);
    this.name = 'KeyScriptError';
    this.token = token;
  }
}

export class LinkSpecError extends SimulatorError {
  constructor(message: string) {
    super('link-spec', message);
    this.name = 'LinkSpecError';
  }
}

/** A host-link exposure (TCP, pseudo-terminal) failed to open or broke. */
export class LinkError extends SimulatorError {
  constructor(message: string) {
    super('link', message);
    this.name = 'LinkError';
  }
}

export class FlashStateError extends SimulatorError {
  constructor(message: string) {
    super('flash-state', message);
    this.name = 'FlashStateError';
  }
}

export class FaultSpecError extends SimulatorError {
  constructor(message: string) {
    super('fault-spec', message);
    this.name = 'FaultSpecError';
  }
}

/** A card line was driven outside its model (a bad slot setting from a test, a dead port). */
export class LineError extends SimulatorError {
  constructor(message: string) {
    super('line', message);
    this.name = 'LineError';
  }
}

/** A bad command on the simulator's standard input. */
export class CommandError extends SimulatorError {
  constructor(message: string) {
    super('command', message);
    this.name = 'CommandError';
  }
}

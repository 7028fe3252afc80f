// Function keys pressed outside a PIN entry, for the KeypadState vendor escape
// (protocol/PROTOCOL.md §6): a bit per key, kept until the host reads them. Digit keys are never
// kept anywhere outside a PIN entry, and during one no key is kept here at all.
import { Key } from '../../hal-constants';
import { FunctionKey } from '../../../protocol/native-constants';

let latched: i32 = 0;

export function keypadLatchInit(): void {
  latched = 0;
}

export function keypadLatch(key: i32): void {
  latched |= functionKeyBit(key);
}

/** The FunctionKey bits pressed since the last call; clears them. */
export function keypadTake(): i32 {
  const bits = latched;
  latched = 0;
  return bits;
}

function functionKeyBit(key: i32): i32 {
  switch (key) {
    case Key.Enter:
      return FunctionKey.Enter;
    case Key.Cancel:
      return FunctionKey.Cancel;
    case Key.Clear:
      return FunctionKey.Clear;
    case Key.Backspace:
      return FunctionKey.Backspace;
    case Key.F1:
      return FunctionKey.F1;
    case Key.F2:
      return FunctionKey.F2;
    case Key.F3:
      return FunctionKey.F3;
    case Key.F4:
      return FunctionKey.F4;
  }
  return 0; // digits and unknown codes
}

// The profile in force (../shared/design/ARCHITECTURE.md §3): compat after init (stock pcscd +
// libccid: echo, TPDU level, polled slot status), native after the vendor SetProfile escape (no
// echo, APDU level, pushed NotifySlotChange).
import { Profile } from '../../../protocol/native-constants';
import {
  COMPAT_MAX_MESSAGE_LENGTH,
  NATIVE_MAX_MESSAGE_LENGTH,
} from '../../../protocol/serial-constants';
import { frameReaderSetMaxMessage } from '../link/frame-reader';

let profile: i32 = Profile.Compat;

export function profileInit(): void {
  setProfile(Profile.Compat);
}

export function currentProfile(): i32 {
  return profile;
}

export function isNative(): bool {
  return profile == Profile.Native;
}

/** Largest CCID message (header + data) in either direction under the current profile. */
export function maxMessageLength(): i32 {
  return profile == Profile.Native ? NATIVE_MAX_MESSAGE_LENGTH : COMPAT_MAX_MESSAGE_LENGTH;
}

export function setProfile(p: i32): void {
  profile = p == Profile.Native ? Profile.Native : Profile.Compat;
  frameReaderSetMaxMessage(maxMessageLength());
}

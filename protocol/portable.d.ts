// AssemblyScript's integer type names, for TypeScript. Files written in the portable subset
// (compiled by both `asc` for the firmware and `tsc` for host and simulator) use them.
type i8 = number;
type u8 = number;
type i16 = number;
type u16 = number;
type i32 = number;
type u32 = number;
type usize = number;
type bool = boolean;

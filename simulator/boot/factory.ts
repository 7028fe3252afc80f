// The production-line programmer (SWD/JTAG on a real reader): writes a signed image straight
// into the primary slot of a blank part, before the reader is first powered. It is not subject to
// the firmware's window or the boot stage; the boot stage still verifies the image at the first
// boot, formats its journal and raises the security counter to the image's.
import { FLASH_SIZE, PRIMARY_SLOT_ADDR } from '../../protocol/image/flash-map.ts';
import { parseImage } from '../../protocol/image/image.ts';
import { FlashStateError } from '../errors.ts';

/** Erases the whole part and programs `image` at the primary slot. `data` is the flash's bytes. */
export function factoryProgram(data: Uint8Array, image: Uint8Array): void {
  if (data.length !== FLASH_SIZE)
    throw new FlashStateError(
      `the flash holds ${data.length} bytes, the flash map needs ${FLASH_SIZE}`,
    );
  parseImage(image); // a structurally broken image is refused here with its ImageError
  data.fill(0xff);
  data.set(image, PRIMARY_SLOT_ADDR);
}

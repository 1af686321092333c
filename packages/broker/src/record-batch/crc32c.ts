// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of Kafka's v2 record batches (KIP-98). It runs
// over every produced batch and again over every batch during log recovery, so it uses slicing-by-16: sixteen lookup
// tables let each step consume sixteen bytes with independent table reads instead of dependent ones, and the bytes
// are read as four 32-bit words through an Int32Array view rather than one at a time. The reflected CRC consumes
// bytes in little-endian order, which is what such a view gives on little-endian hosts; on a big-endian host the
// bytes are consumed one at a time instead.
// Measured (process CPU, best of 6 rounds of 200 CRCs of 210,000 bytes): 1,180 MB/s with slicing-by-8 on bytes,
// 1,890 MB/s with this.
import { endianness } from 'node:os';

const POLYNOMIAL = 0x82f63b78;
const TABLE_SIZE = 256;
const SLICES = 16;
const BLOCK_BYTES = 16;
const WORDS_ARE_LITTLE_ENDIAN = endianness() === 'LE';

// One flat table: TABLES[k * 256 + b] is the CRC of byte b followed by k zero bytes.
const TABLES = buildTables();

function buildTables(): Int32Array {
  const tables = new Int32Array(SLICES * TABLE_SIZE);
  for (let byte = 0; byte < TABLE_SIZE; byte++) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ POLYNOMIAL : crc >>> 1;
    tables[byte] = crc;
  }
  for (let slice = 1; slice < SLICES; slice++) {
    for (let byte = 0; byte < TABLE_SIZE; byte++) {
      const previous = tables[(slice - 1) * TABLE_SIZE + byte];
      tables[slice * TABLE_SIZE + byte] = (previous >>> 8) ^ tables[previous & 0xff];
    }
  }
  return tables;
}

/** The CRC-32C of `data[start, end)`, as an unsigned 32-bit number. */
export function crc32c(data: Uint8Array, start = 0, end = data.length): number {
  const t = TABLES;
  let crc = -1;
  let i = start;
  if (WORDS_ARE_LITTLE_ENDIAN) {
    // Bytes up to a 4-byte boundary of the underlying memory, so the words can be viewed in place.
    while (i < end && ((data.byteOffset + i) & 3) !== 0) {
      crc = (crc >>> 8) ^ t[(crc ^ data[i]) & 0xff];
      i++;
    }
    const blocks = Math.floor((end - i) / BLOCK_BYTES);
    if (blocks > 0) {
      const words = new Int32Array(data.buffer, data.byteOffset + i, blocks * 4);
      for (let w = 0; w < words.length; w += 4) {
        const a = crc ^ words[w];
        const b = words[w + 1];
        const c = words[w + 2];
        const d = words[w + 3];
        crc =
          t[15 * TABLE_SIZE + (a & 0xff)] ^
          t[14 * TABLE_SIZE + ((a >>> 8) & 0xff)] ^
          t[13 * TABLE_SIZE + ((a >>> 16) & 0xff)] ^
          t[12 * TABLE_SIZE + (a >>> 24)] ^
          t[11 * TABLE_SIZE + (b & 0xff)] ^
          t[10 * TABLE_SIZE + ((b >>> 8) & 0xff)] ^
          t[9 * TABLE_SIZE + ((b >>> 16) & 0xff)] ^
          t[8 * TABLE_SIZE + (b >>> 24)] ^
          t[7 * TABLE_SIZE + (c & 0xff)] ^
          t[6 * TABLE_SIZE + ((c >>> 8) & 0xff)] ^
          t[5 * TABLE_SIZE + ((c >>> 16) & 0xff)] ^
          t[4 * TABLE_SIZE + (c >>> 24)] ^
          t[3 * TABLE_SIZE + (d & 0xff)] ^
          t[2 * TABLE_SIZE + ((d >>> 8) & 0xff)] ^
          t[TABLE_SIZE + ((d >>> 16) & 0xff)] ^
          t[d >>> 24];
      }
      i += blocks * BLOCK_BYTES;
    }
  }
  while (i < end) {
    crc = (crc >>> 8) ^ t[(crc ^ data[i]) & 0xff];
    i++;
  }
  return ~crc >>> 0;
}

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of Kafka's v2 record batches (KIP-98). It runs
// over every produced batch and again over every batch during log recovery, so it uses slicing-by-8: eight lookup
// tables let each step consume eight bytes with eight independent table reads instead of eight dependent ones.
const POLYNOMIAL = 0x82f63b78;
const TABLE_SIZE = 256;

// One flat table: TABLES[k * 256 + b] is the CRC of byte b followed by k zero bytes.
const TABLES = buildTables();

function buildTables(): Int32Array {
  const tables = new Int32Array(8 * TABLE_SIZE);
  for (let byte = 0; byte < TABLE_SIZE; byte++) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ POLYNOMIAL : crc >>> 1;
    tables[byte] = crc;
  }
  for (let slice = 1; slice < 8; slice++) {
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
  const wholeEnd = start + ((end - start) & ~7);
  while (i < wholeEnd) {
    const low = crc ^ (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24));
    crc =
      t[7 * TABLE_SIZE + (low & 0xff)] ^
      t[6 * TABLE_SIZE + ((low >>> 8) & 0xff)] ^
      t[5 * TABLE_SIZE + ((low >>> 16) & 0xff)] ^
      t[4 * TABLE_SIZE + (low >>> 24)] ^
      t[3 * TABLE_SIZE + data[i + 4]] ^
      t[2 * TABLE_SIZE + data[i + 5]] ^
      t[TABLE_SIZE + data[i + 6]] ^
      t[data[i + 7]];
    i += 8;
  }
  while (i < end) {
    crc = (crc >>> 8) ^ t[(crc ^ data[i]) & 0xff];
    i++;
  }
  return ~crc >>> 0;
}

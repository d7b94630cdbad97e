// A Snapshot page cut into gRPC messages: a page of 500 keys may hold 500 objects of 1.5 MiB, far
// past what one message may carry (64 MiB), so a message holds as many items as fit `maxBytes`
// (at least one, and exactly one empty message for an empty page, which still tells the revision).
export function chunksOf<T extends { key: string; value: Buffer }>(items: T[], maxBytes: number): T[][] {
  const chunks: T[][] = [[]];
  let bytes = 0;
  for (const item of items) {
    const size = item.key.length + item.value.length;
    const current = chunks[chunks.length - 1];
    if (current.length && bytes + size > maxBytes) {
      chunks.push([item]);
      bytes = size;
    } else {
      current.push(item);
      bytes += size;
    }
  }
  return chunks;
}

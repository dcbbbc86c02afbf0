// Child for the concurrency test: stores an image with one shared layer and one own layer.
import { makeImage, storeImage } from './fixture.ts';

const [root, tag] = process.argv.slice(2);
const img = makeImage([
  [{ name: 'shared/big', content: 'S'.repeat(200_000) }],
  [{ name: `own/${tag}`, content: tag }],
]);
await storeImage(`[${root}+${root}/run]localhost/concurrent:${tag}`, img);
// and a name every child fights over
await storeImage(`[${root}+${root}/run]localhost/contested:latest`, img);

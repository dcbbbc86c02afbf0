// Container IDs and generated names, as podman/docker make them.
import { closeSync, openSync, readSync } from 'node:fs';

// read from the kernel directly: loading node:crypto for these few bytes cost `run` ~2.5 ms
function randomBytes(n: number): Buffer {
  const b = Buffer.alloc(n);
  const fd = openSync('/dev/urandom', 'r');
  try {
    readSync(fd, b, 0, n, null);
  } finally {
    closeSync(fd);
  }
  return b;
}

export function newContainerId(): string {
  for (;;) {
    const id = randomBytes(32).toString('hex');
    // docker avoids all-digit short IDs: they parse as numbers in some tools
    if (!/^\d+$/.test(id.slice(0, 12))) return id;
  }
}

const LEFT = ['admiring', 'agitated', 'amazing', 'angry', 'awesome', 'blissful', 'bold', 'brave', 'charming', 'clever',
  'cool', 'dazzling', 'eager', 'ecstatic', 'elegant', 'epic', 'festive', 'focused', 'friendly', 'funny', 'gallant',
  'gifted', 'happy', 'hardcore', 'hopeful', 'jolly', 'keen', 'kind', 'laughing', 'loving', 'lucid', 'modest', 'nice',
  'nifty', 'optimistic', 'pensive', 'quirky', 'relaxed', 'serene', 'sharp', 'sleepy', 'stoic', 'sweet', 'tender',
  'upbeat', 'vibrant', 'wizardly', 'zealous'];
const RIGHT = ['albattani', 'archimedes', 'babbage', 'bell', 'bohr', 'curie', 'darwin', 'dijkstra', 'einstein',
  'euclid', 'fermat', 'feynman', 'galileo', 'gauss', 'hopper', 'hypatia', 'kepler', 'knuth', 'lamport', 'liskov',
  'lovelace', 'mayer', 'mendel', 'newton', 'noether', 'pascal', 'ptolemy', 'ritchie', 'shannon', 'tesla', 'thompson',
  'torvalds', 'turing', 'wozniak'];

/** The words of generated names: LEFT_RIGHT. */
export const NAME_WORDS = { left: LEFT, right: RIGHT } as const;

export function randomName(): string {
  const b = randomBytes(2);
  return `${LEFT[b[0] % LEFT.length]}_${RIGHT[b[1] % RIGHT.length]}`;
}

/** docker's rule for container names. */
export const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

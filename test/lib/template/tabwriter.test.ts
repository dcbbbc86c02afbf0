// Go text/tabwriter as podman configures it (minwidth 12, padding 2, spaces), table-driven.
// Expected strings were produced by Go (podman 4.3.1 `images --format "table ..."` and tabwriter rules).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tabwrite } from '../../../lib/template/tabwriter.ts';

const cases: [string, string, string][] = [
  ['single column pads to min width', 'a\tb\n', 'a           b\n'],
  ['widest cell + 2', 'REPOSITORY\tTAG\nlocalhost/cfgtest-a-much-longer-name\tv1\n',
    'REPOSITORY                            TAG\nlocalhost/cfgtest-a-much-longer-name  v1\n'],
  ['last cell never padded', 'x\tlast cell\ny\tz\n', 'x           last cell\ny           z\n'],
  ['trailing tab pads the cell before it', 'a\tb\t\n', 'a           b           \n'],
  ['no tabs: unchanged', 'plain\nlines\n', 'plain\nlines\n'],
  ['a line without the column ends the block', 'aaaaaaaaaaaaaaaa\tb\nshort\nc\td\n', 'aaaaaaaaaaaaaaaa  b\nshort\nc           d\n'],
  ['ragged rows', 'a\tb\tc\nd\te\n', 'a           b           c\nd           e\n'],
  ['unicode width counts runes', 'héllo\tx\n', 'héllo       x\n'],
  ['no final newline kept', 'a\tb', 'a           b'],
  ['empty', '', ''],
];
for (const [name, input, want] of cases) test(name, () => assert.is(tabwrite(input), want));

test('custom min width and padding', () => {
  assert.is(tabwrite('a\tb\nccc\td\n', { minwidth: 0, padding: 1 }), 'a   b\nccc d\n');
});

test.run();

// formatList/formatOutput with podman's --format semantics. Expected outputs are what podman 4.3.1
// printed for `podman images --format ...` on the same two rows.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatList, formatOutput, headerFor, isJsonFormat, normalizeFormat, splitCamelCase } from '../../../cmd/shared/format.ts';

const rows = [
  { Repository: 'localhost/bbtest', Tag: 'latest', ID: 'b5bbaccd9106', Created: '3 minutes ago', Size: '2 MB', Names: ['localhost/bbtest:latest'] },
  { Repository: 'localhost/cfgtest-a-much-longer-name', Tag: 'v1', ID: 'b5bbaccd9106', Created: '3 minutes ago', Size: '2 MB', Names: ['x:v1'] },
];
const DEF = 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Created}}\t{{.Size}}';
const H = { ID: 'image id' };

const cases: [string | undefined, string][] = [
  [undefined, `REPOSITORY                            TAG         IMAGE ID      CREATED        SIZE
localhost/bbtest                      latest      b5bbaccd9106  3 minutes ago  2 MB
localhost/cfgtest-a-much-longer-name  v1          b5bbaccd9106  3 minutes ago  2 MB
`],
  ['table', `REPOSITORY                            TAG         IMAGE ID      CREATED        SIZE
localhost/bbtest                      latest      b5bbaccd9106  3 minutes ago  2 MB
localhost/cfgtest-a-much-longer-name  v1          b5bbaccd9106  3 minutes ago  2 MB
`],
  ['table {{.Repository}}\\t{{.Tag}}|', `REPOSITORY                            TAG|
localhost/bbtest                      latest|
localhost/cfgtest-a-much-longer-name  v1|
`],
  ['table {{.Repository}} {{.Tag}}|', `REPOSITORY                            TAG|
localhost/bbtest                      latest|
localhost/cfgtest-a-much-longer-name  v1|
`],
  ['table {{.ID | upper}} {{lower .Repository}} {{.Labels}} {{.Names}}', `IMAGE ID      repository                            <no value>  NAMES
B5BBACCD9106  localhost/bbtest                      <no value>  [localhost/bbtest:latest]
B5BBACCD9106  localhost/cfgtest-a-much-longer-name  <no value>  [x:v1]
`],
  ['{{.Repository}}\\t{{.Tag}}|', 'localhost/bbtest\tlatest|\nlocalhost/cfgtest-a-much-longer-name\tv1|\n'],
  ['{{.Repository}}\\n', 'localhost/bbtest\nlocalhost/cfgtest-a-much-longer-name\n'],
  ['{{range .}}{{.Repository}},{{end}}', 'localhost/bbtest,localhost/cfgtest-a-much-longer-name,\n'],
  ['{{.Tag -}}', 'latestv1'],
];
for (const [format, want] of cases) {
  test(`formatList ${JSON.stringify(format)}`, async () => assert.is(await formatList(format, rows, DEF, H), want));
}

test('json and {{json .}} print an indented array; empty is []', async () => {
  const want = JSON.stringify(rows, null, 4) + '\n';
  assert.is(await formatList('json', rows, DEF), want);
  assert.is(await formatList('{{json .}}', rows, DEF), want);
  assert.is(await formatList('json', [], DEF), '[]\n');
  assert.is(await formatList('{{json .Names}}', rows, DEF), '["localhost/bbtest:latest"]\n["x:v1"]\n');
});

test('noHeading drops the header but keeps the alignment', async () => {
  assert.is(await formatList(undefined, rows, DEF, { headers: H, noHeading: true }), `localhost/bbtest                      latest      b5bbaccd9106  3 minutes ago  2 MB
localhost/cfgtest-a-much-longer-name  v1          b5bbaccd9106  3 minutes ago  2 MB
`);
});

test('method fields take arguments in rows and in the header', async () => {
  const r = [{ ID: 'x', Labels: { a: '1' }, Label(k: string) { return this.Labels[k as 'a'] ?? ''; } }];
  assert.is(await formatList('table {{.ID}} {{.Label "a"}}', r, DEF, { headers: { Label: 'label' } }), 'ID          LABEL\nx           1\n');
});

test('no rows: the table header alone', async () => {
  assert.is(await formatList(undefined, [], DEF, { headers: H }), 'REPOSITORY  TAG         IMAGE ID    CREATED     SIZE\n');
  assert.is(await formatList('{{.ID}}', [], DEF), '');
});

test('template errors name the command and exit 125', async () => {
  try {
    await formatList('{{.Nope | bogus}}', rows, DEF, { name: 'images' });
    assert.unreachable();
  } catch (err) {
    assert.is((err as Error).message, 'template: images:1: function "bogus" not defined');
    assert.is((err as any).exitCode, 125);
  }
});

test('header titles split camel case like podman', () => {
  const t: [string, string][] = [['ID', 'ID'], ['CreatedAt', 'CREATED AT'], ['ReadOnly', 'READ ONLY'], ['HTTPServer', 'HTTP SERVER'],
    ['Size2', 'SIZE 2'], ['PDFLoader', 'PDF LOADER'], ['repository', 'REPOSITORY']];
  for (const [field, want] of t) assert.is(headerFor(field), want, field);
  assert.equal(splitCamelCase('GL11Version'), ['GL', '11', 'Version']);
});

test('normalizeFormat: table turns spaces into tabs, others only unescape', () => {
  assert.equal(normalizeFormat('table {{.A}} {{.B}}\\n'), { template: '{{.A}}\t{{.B}}\n', table: true });
  assert.equal(normalizeFormat('{{.A}} {{.B}}\\t'), { template: '{{.A}} {{.B}}\t\n', table: false });
  assert.ok(isJsonFormat(' json ') && isJsonFormat('{{ json . }}') && isJsonFormat('{{json}}') && !isJsonFormat('{{json .A}}'));
});

test('formatOutput: one object, json indented with 4 spaces, newline ensured', async () => {
  const v = { Client: { Version: '1.0', Tags: ['a'] } };
  assert.is(await formatOutput('{{.Client.Version}}', v), '1.0\n');
  assert.is(await formatOutput('{{.Client.Version}}\\n', v), '1.0\n');
  assert.is(await formatOutput('json', v), JSON.stringify(v, null, 4) + '\n');
  assert.is(await formatOutput('{{json .Client}}', v), '{"Version":"1.0","Tags":["a"]}\n');
});

test.run();

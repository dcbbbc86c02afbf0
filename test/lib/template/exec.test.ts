// Template semantics on tspod's own data (JS objects, Maps, arrays, Dates, methods), table-driven.
// Go-identical behaviour on literals is checked against podman in podman.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { asStruct, compileTemplate, renderTemplate, withJsonForm } from '../../../lib/template/index.ts';
import { TspodError } from '../../../lib/errors.ts';

const data = {
  ID: 'b5bbaccd910640337e112ad716c727c8df1e8e2fc05fdf1ba3f32207daae4071',
  Names: ['localhost/a:latest', 'quay.io/b:1'],
  Size: 1997907,
  Ratio: 0.25,
  Dangling: false,
  Labels: { 'org.x': 'one', a: 'two' } as Record<string, string>,
  Env: new Map([['B', '2'], ['A', '1']]),
  Empty: {},
  Nil: null,
  Config: { Cmd: ['sh', '-c', 'echo hi'], User: '', Nested: { Deep: 'yes' } },
  Mounts: [{ Source: '/a', Destination: '/b' }, { Source: '/c', Destination: '/d' }],
  Created: new Date(Date.UTC(2026, 10, 25, 4, 34, 9)),
  Short(n = 12) { return this.ID.slice(0, n); },
  Point: asStruct({ X: 1, Y: 'two' }),
  When: new Date(Date.UTC(2026, 10, 25, 4, 34, 9, 120)),
};

const cases: [string, string][] = [
  ['{{.ID}}', data.ID],
  ['{{.Config.Nested.Deep}}', 'yes'],
  ['{{.Missing}}', '<no value>'],
  ['{{.Config.Missing}}', '<no value>'],
  ['{{.Missing.Deeper}}', '<no value>'],
  ['{{.Labels.a}}', 'two'],
  ['{{index .Labels "org.x"}}', 'one'],
  ['{{index .Labels "nope"}}|', '|'],
  ['{{.Labels}}', 'map[a:two org.x:one]'],
  ['{{.Env}}', 'map[A:1 B:2]'],
  ['{{.Env.A}}', '1'],
  ['{{index .Env "B"}}', '2'],
  ['{{range $k, $v := .Env}}{{$k}}={{$v}};{{end}}', 'A=1;B=2;'],
  ['{{range $k, $v := .Labels}}{{$k}}={{$v}} {{end}}', 'a=two org.x=one '],
  ['{{.Point}} {{printf "%+v" .Point}}', '{1 two} {X:1 Y:two}'],
  ['{{.Names}}', '[localhost/a:latest quay.io/b:1]'],
  ['{{.Config.Cmd}}', '[sh -c echo hi]'],
  ['{{.Nil}}|{{if .Nil}}t{{else}}f{{end}}', '<nil>|f'],
  ['{{if .Empty}}t{{else}}f{{end}}{{if .Point}}t{{end}}{{if .Config.User}}u{{else}}-{{end}}', 'ft-'],
  ['{{.Size}} {{.Ratio}} {{.Dangling}}', '1997907 0.25 false'],
  ['{{json .Labels}}', '{"org.x":"one","a":"two"}'],
  ['{{json .Env}}', '{"B":"2","A":"1"}'],
  ['{{json .Missing}}', 'null'],
  ['{{.Config | json}}', '{"Cmd":["sh","-c","echo hi"],"User":"","Nested":{"Deep":"yes"}}'],
  ['{{range .Mounts}}{{.Source}}:{{.Destination}},{{end}}', '/a:/b,/c:/d,'],
  ['{{range $i, $m := .Mounts}}{{$i}}{{$m.Source}}{{end}}', '0/a1/c'],
  ['{{range .Nil}}x{{else}}none{{end}}', 'none'],
  ['{{range .Mounts}}{{$.Size}}{{end}}', '19979071997907'],
  ['{{with .Config.Nested}}{{.Deep}}{{end}}', 'yes'],
  ['{{.Short}} {{.Short 4}} {{.Short | len}}', 'b5bbaccd9106 b5bb 12'],
  ['{{len .Names}} {{len .Labels}} {{len .Env}} {{len .ID}}', '2 2 2 64'],
  ['{{.Created}}', '2026-11-25 04:34:09 +0000 UTC'],
  ['{{truncate .ID 12}}', 'b5bbaccd9106'],
  ['{{join .Names ","}}', 'localhost/a:latest,quay.io/b:1'],
  ['{{join .Config.Cmd " "}}', 'sh -c echo hi'],
  ['{{index .Names 1}} {{index .Mounts 1 | json}}', 'quay.io/b:1 {"Source":"/c","Destination":"/d"}'],
  ['{{slice .Names 1}}', '[quay.io/b:1]'],
  ['{{printf "%-20s|" .Config.Nested.Deep}}', 'yes                 |'],
  ['{{range 3}}{{.}}{{end}}', '012'],
  ['{{range $i, $e := .Names}}{{if $i}}{{break}}{{end}}{{$e}}{{end}}', 'localhost/a:latest'],
  ['{{with .Missing}}x{{else with .Config}}{{.Nested.Deep}}{{end}}', 'yes'],
  ['{{$n := len .Names}}{{range .Names}}{{$n}}{{end}}', '22'],
  ['a\\tb\\nc', 'a\tb\nc'],
  ['{{"x\\ty"}}', 'x\ty'],
  ['{{eq .Size 1997907}} {{gt .Size 1000}} {{eq .Dangling false}}', 'true true true'],
  ['{{upper (index .Names 0)}}', 'LOCALHOST/A:LATEST'],
  ['line1\n  {{- .Dangling}}\n', 'line1false\n'],
  ['{{range .Names}} {{- . -}} {{- else -}} none {{- end}}|', 'localhost/a:latestquay.io/b:1|'],
  ['{{if .Dangling -}} yes {{- else -}} no {{- end -}} |', 'no|'],
  ['{{if $n := .Config.User}}u{{else}}[{{$n}}]{{end}}', '[]'],
  ['{{with $c := .Config.User}}{{$c}}{{else with $d := .Config.Nested}}{{$c}}{{$d.Deep}}{{end}}', 'yes'],
  ['{{.toString}}|{{.constructor}}|{{.Labels.hasOwnProperty}}', '<no value>|<no value>|<no value>'],
  ['{{json .Created}}', '"2026-11-25T04:34:09Z"'],
  ['{{json .When}}', '"2026-11-25T04:34:09.12Z"'],
];

for (const [tpl, want] of cases) {
  test(`render ${JSON.stringify(tpl)}`, () => assert.is(renderTemplate(tpl, data), want));
}

const errors: [string, RegExp][] = [
  ['{{.ID.Nope}}', /^template: format:1:2: executing "format" at <\.ID\.Nope>: can't evaluate field Nope in type string$/],
  ['{{.Names.First}}', /can't evaluate field First in type \[\]interface \{\}/],
  // a struct (asStruct) has no missing fields, unlike a map: podman info --format '{{.Nope}}'
  ['{{.Point.Z}}', /^template: format:1:2: executing "format" at <\.Point\.Z>: can't evaluate field Z in type struct$/],
  ['{{range .ID}}{{end}}', /range can't iterate over b5bb/],
  ['{{.Size "x"}}', /Size has arguments but cannot be invoked as function/],
  ['{{lower .Size}}', /at <\.Size>: wrong type for value; expected string; got int/],
  ['{{truncate .ID .ID}}', /wrong type for value; expected int; got string/],
  ['{{join .ID ","}}', /wrong type for value; expected \[\]string; got string/],
  ['{{index .Names 9}}', /error calling index: index out of range: 9/],
  ['{{eq .Names .Names}}', /error calling eq: invalid type for comparison/],
  ['{{lower .Missing}}', /invalid value; expected string/],
  ['\n\n{{bogus}}', /^template: format:3: function "bogus" not defined$/],
  ['{{range $i, $v, $w := .Names}}{{end}}', /template: format:1:/],
  ['{{if}}{{end}}', /missing value for if/],
  ['{{.ID | }}', /missing command/],
  ['{{$x := 1}}{{$y}}', /undefined variable "\$y"/],
  ['{{continue}}', /\{\{continue\}\} outside \{\{range\}\}/],
  ['{{/* unclosed', /unclosed comment/],
  ['{{define "r"}}{{template "r" .}}{{end}}{{template "r" .}}', /exceeded maximum template depth \(1000\)/],
];
for (const [tpl, re] of errors) {
  test(`error ${JSON.stringify(tpl)}`, () => {
    try {
      renderTemplate(tpl, data);
      assert.unreachable('should throw');
    } catch (err) {
      assert.instance(err, TspodError);
      assert.is((err as TspodError).code, 'TEMPLATE');
      assert.is((err as TspodError).exitCode, 125);
      assert.match((err as Error).message, re);
    }
  });
}

test('the name option appears in messages', () => {
  assert.throws(() => renderTemplate('{{nope}}', {}, { name: 'images' }), /^template: images:1: function "nope" not defined$/);
});

test('compiled templates are cached and reusable', () => {
  const a = compileTemplate('{{.X}}');
  assert.is(compileTemplate('{{.X}}'), a);
  assert.is(a.execute({ X: 1 }), '1');
  assert.is(a.execute({ X: 'two' }), 'two');
});

test('withJsonForm: fields by Go name, json by the tagged keys', () => {
  const v = withJsonForm(asStruct({ GraphRoot: '/g', ImageStore: withJsonForm(asStruct({ Number: 2 }), { number: 2 }) }), { graphRoot: '/g', imageStore: { number: 2 } });
  assert.is(renderTemplate('{{.ImageStore.Number}} {{json .ImageStore}} {{json .}}', v), '2 {"number":2} {"graphRoot":"/g","imageStore":{"number":2}}');
});

test('extra functions can be supplied', () => {
  assert.is(renderTemplate('{{double .N}}', { N: 21 }, { funcs: { double: { arity: 1, fn: (a) => (a[0] as number) * 2 } } }), '42');
});

test('rendering many rows is fast enough for big listings', () => {
  const rows = Array.from({ length: 20000 }, (_, i) => ({ ID: `id${i}`, Names: [`n${i}`], Size: i }));
  const t = compileTemplate('{{range .}}{{.ID}}\t{{join .Names ","}}\t{{printf "%d" .Size}}\n{{end}}');
  const out = t.execute(rows);
  assert.is(out.split('\n').length, 20001);
});

test.run();

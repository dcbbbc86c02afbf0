// Go's text/template as the oracle: podman renders the same templates against its own version data
// (`podman version --format`), we render them against that data read back as JSON; the outputs must
// be identical. One podman process for all the templates that succeed, one per error case.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { renderTemplate } from '../../../lib/template/index.ts';

const hasPodman = spawnSync('podman', ['--version']).status === 0;

const SEP = '<~>';
const templates = [
  'plain text',
  '{{.Client.Version}}',
  '{{.Client.Version | printf "v=%s"}}',
  '{{json .Client.Version}}|{{json .Client.Built}}|{{json "a<b>&"}}',
  '{{.Client.APIVersion}}\\t{{.Client.OsArch}}\\n{{.Client.Os}}',
  '{{if .Client.Version}}yes{{else}}no{{end}}',
  '{{if eq .Client.Os "linux"}}L{{else if eq .Client.Os "darwin"}}D{{else}}O{{end}}',
  '{{if ne .Client.Os "linux"}}L{{else if eq .Client.Os "linux"}}second{{end}}',
  '{{with .Client}}{{.Os}}/{{.Version}}{{end}}',
  '{{with .Client.GitCommit}}commit{{else}}nocommit{{end}}',
  '{{$v := .Client.Version}}{{$v}}-{{$.Client.Os}}',
  '{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}',
  '{{range $i, $e := split "a,b,c" ","}}{{if $i}},{{end}}{{$e | upper}}{{end}}',
  '{{range split "x y z" " "}}[{{.}}]{{else}}empty{{end}}',
  '{{range split "" ","}}[{{.}}]{{end}}',
  '{{range $e := split "1,2,3" ","}}{{if eq $e "2"}}{{continue}}{{end}}{{$e}}{{end}}',
  '{{range split "1,2,3" ","}}{{if eq . "2"}}{{break}}{{end}}{{.}}{{end}}',
  '{{printf "%d" "x"}}|{{printf "%5.1f|%-5s|%05d|%x|%X|%o|%b|%e|%E|%G|%q|%v|%+d|% d|%c|%U|%t|%%" 3.14159 "ab" 42 255 255 8 5 123456.789 0.000123 1e21 "a\\"b" nil 5 5 0x263A 0x263A false}}',
  '{{printf "%s %d"}}|{{printf "%s" "a" 1}}|{{printf "%-8s|%8s|%.2s|%8.3f|%-8d|%+.2e" "ab" "cd" "xyz" 3.14159 42 12345.678}}',
  '{{printf "%v %v %v %v %v %v" 0.5 1234567.5 100000.0 0.0001 0.00001 2.5e-7}}',
  '{{printf "%g %g %.3g %.10g %G" 1e6 123456789.0 1234.5678 1.0 1e-10}}',
  '{{printf "%x %X %q %v" "hi" "hi" "tab\\tnl" "str"}}',
  '{{printf "%T %T %T %T" 1 2.5 "s" true}}',
  '{{print 1 2 "a" 3 nil}}|{{println}}|{{println "a" 1 2}}',
  '{{len "héllo"}}|{{slice "abcdef" 1 3}}|{{slice "abcdef" 2}}|{{index "abc" 1}}|{{len (split "a,b" ",")}}',
  '{{html "<a&b>\\"x\'"}}|{{js "it\'s \\"x\\" <y>"}}|{{urlquery "a b&c=d/é"}}',
  '{{lower "ABC"}}|{{upper "abc"}}|{{title "hello wide-world foo_bar"}}|{{truncate "abcdef" 3}}|{{truncate "ab" 3}}|{{pad "x" 2 1}}|',
  '{{join (split "a b c" " ") ", "}}|{{split "a,b" ","}}',
  '{{if and 1 "" 3}}y{{else}}n{{end}}|{{and 1 2 3}}|{{or 0 false "z" 3}}|{{or 0 ""}}|{{not 0}}|{{not "x"}}',
  '{{eq 1 1}}|{{eq "a" "b" "a"}}|{{ne "a" "b"}}|{{lt "a" "b"}}|{{le 2 2}}|{{gt 3 2}}|{{ge 2 3}}|{{lt 1 2}}',
  '{{`raw\\\\x`}}|{{\'a\'}}|{{0x1F}}|{{-5}}|{{+7}}|{{1.5}}|{{true}}|{{0o17}}|{{1_000}}',
  '{{"\\u00e9\\x41\\101"}}',
  '  {{- "trim" -}}  \\n  x  {{- /* comment */ -}}  y',
  '{{/* a comment */}}z{{- /* another */}}',
  '{{define "T"}}<{{.}}>{{end}}{{template "T" .Client.Os}}{{template "T" "lit"}}',
  '{{block "B" .Client.Version}}[{{.}}]{{end}}',
  '{{(printf "%s-%s" "a" "b") | upper}}|{{len .Client.Version | printf "%03d"}}',
  '{{if $x := ""}}a{{else}}[{{$x}}]{{end}}|{{with $y := .Client.GitCommit}}{{else}}<{{$y}}>{{end}}',
  '{{range $i, $c := split "ab" ""}}{{$i}}{{$c}}{{else}}none{{end}}|{{$z := "outer"}}{{range split "q" ","}}{{$z = .}}{{end}}{{$z}}',
  '{{.Client.Built}}|{{.Client.BuiltTime}}|{{if .Client.Built}}nonzero{{else}}zero{{end}}',
];

const errorTemplates = [
  '{{foo}}',
  '{{.Client.Version',
  '{{if .Client.Version}}x',
  '{{end}}',
  '{{else}}',
  '{{"unterminated}}',
  '{{$x}}',
  '{{len 3}}',
  '{{index (split "a" ",") 5}}',
  '{{printf}}',
  '{{lower 3}}',
  '{{join "a" ","}}',
  '{{lt 1 "a"}}',
  '{{eq 1}}',
  '{{range}}{{end}}',
  '{{template "nope"}}',
  '{{3 4}}',
  '{{with}}{{end}}',
  '{{nil | print}}',
  '{{lower nil}}',
  '{{printf 3}}',
  '{{pad "a" 1.5 2}}',
  '{{break}}',
  '{{truncate "abc" "x"}}',
  '{{)}}',
];

function podman(format: string): { status: number | null; stdout: string; stderr: string } {
  return spawnSync('podman', ['version', '--format', format], { encoding: 'utf8' });
}

let data: unknown;
function versionData(): unknown {
  data ??= JSON.parse(podman('json').stdout);
  return data;
}

test('templates render exactly as podman renders them', () => {
  if (!hasPodman) return console.log('# skip: podman not installed');
  const joined = templates.join(SEP);
  const r = podman(joined);
  assert.is(r.status, 0, r.stderr);
  const theirs = r.stdout.split(SEP);
  const ours = (renderTemplate(joined, versionData(), { name: 'version' }) + '\n').split(SEP);
  assert.is(ours.length, theirs.length);
  for (let i = 0; i < templates.length; i++) assert.is(ours[i], theirs[i], `template ${templates[i]}`);
});

for (const t of errorTemplates) {
  test(`error like podman: ${t}`, () => {
    if (!hasPodman) return console.log('# skip: podman not installed');
    const r = podman(t);
    assert.is(r.status, 125);
    let ours = '';
    try {
      renderTemplate(t, versionData(), { name: 'version' });
    } catch (err) {
      ours = (err as Error).message;
      assert.is((err as any).exitCode, 125);
    }
    const theirs = r.stderr.trim().replace(/^Error: /, '');
    // Both are Go-style "template: version:LINE[:COL]: ..." messages; compare the part after the position.
    const tail = (s: string) => s.replace(/^template: version:\d+(?::\d+)?: /, '');
    assert.ok(ours.startsWith('template: version:'), ours);
    assert.is(tail(ours), tail(theirs));
  });
}

test.run();

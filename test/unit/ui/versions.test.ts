// The job page's version helpers (ui/versions.js) with the same jsdiff the page loads: the one-line
// summary of a version's RFC 6902 patch, the pretty-printed definitions (sorted keys, so equal
// definitions print equally whatever their key order), and the diff rows with long unchanged runs
// collapsed around the changes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { diffLines } from 'diff';

interface Row {
  kind: 'added' | 'removed' | 'same' | 'skipped';
  text: string;
}
interface Versions {
  prettyDefinition(value: unknown): string;
  summarizePatch(version: number, patch: unknown): string;
  diffRows(changes: ReturnType<typeof diffLines>): Row[];
}
// A plain-JS browser module: imported by URL so that the type checker does not need its declarations.
const v = (await import(new URL('../../../ui/versions.js', import.meta.url).href)) as Versions;

describe("a job's versions on its page", () => {
  it('summarizes a patch in one line, by what happened to which fields', () => {
    assert.equal(v.summarizePatch(1, []), 'first version');
    assert.equal(v.summarizePatch(4, []), 'no change to the definition');
    assert.equal(v.summarizePatch(2, [{ op: 'replace', path: '/description', value: 'x' }]), 'changed description');
    assert.equal(
      v.summarizePatch(3, [
        { op: 'replace', path: '/triggers/0/expression', value: '0 4 * * *' },
        { op: 'add', path: '/tags', value: ['a'] },
        { op: 'remove', path: '/data/headers/x~1y' },
        { op: 'replace', path: '/description', value: 'y' },
      ]),
      'changed triggers[0].expression, description; added tags; removed data.headers.x/y',
    );
    const many = Array.from({ length: 7 }, (_, i) => ({ op: 'add', path: `/f${i}`, value: i }));
    assert.equal(v.summarizePatch(5, many), 'added f0, f1, f2, f3 (+3 more)');
    assert.equal(v.summarizePatch(2, [{ op: 'add', path: '/tags/-', value: 'daily' }]), 'added tags');
  });

  it('prints definitions with sorted keys at every level', () => {
    assert.equal(v.prettyDefinition({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } }), v.prettyDefinition({ a: { c: null, d: [{ y: 2, z: 1 }] }, b: 1 }));
    assert.equal(v.prettyDefinition({ b: 1, a: 2 }), '{\n  "a": 2,\n  "b": 1\n}\n');
  });

  it('marks added and removed lines and collapses long unchanged runs, keeping context', () => {
    const before = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${String(i).padStart(2, '0')}`, i]));
    const after = { ...before, k10: 'ten' };
    const rows = v.diffRows(diffLines(v.prettyDefinition(before), v.prettyDefinition(after)));
    assert.deepEqual(
      rows.filter((r) => r.kind === 'added' || r.kind === 'removed'),
      [
        { kind: 'removed', text: '  "k10": 10,' },
        { kind: 'added', text: '  "k10": "ten",' },
      ],
    );
    // 22 lines: `{`, k00…k09 before, k11…k19 and `}` after; 3 lines of context on each side of the change.
    assert.deepEqual(
      rows.map((r) => r.kind),
      ['skipped', 'same', 'same', 'same', 'removed', 'added', 'same', 'same', 'same', 'skipped'],
    );
    assert.equal(rows[0]?.text, '… 8 unchanged lines');
    assert.equal(rows.at(-1)?.text, '… 7 unchanged lines');
    // Nothing changed: every line the same, no sign of a change.
    assert.ok(v.diffRows(diffLines('a\nb\n', 'a\nb\n')).every((r) => r.kind === 'same' || r.kind === 'skipped'));
  });
});

#!/usr/bin/env node
// Turns the vocabularies baked into the npm packages llama-tokenizer-js
// (Llama 1/2, SentencePiece-style BPE with byte fallback) and
// llama3-tokenizer-js (Llama 3, byte-level BPE with its own Split regex) into
// Hugging Face tokenizer.json fixtures, and writes cases.jsonl beside each:
// {"text": ..., "ids": [...]} per line, the ids each package's encoder gives
// (no BOS/EOS; Llama 2 with its preceding space, as HF's normalizer adds).
// Not needed by `make check` (its output is committed, the tokenizer.json
// gzip-compressed); rerun after changing the cases:
//
//   d=$(mktemp -d) && (cd $d && npm install llama-tokenizer-js@1.2.2 llama3-tokenizer-js@1.2.0)
//   node tests/tokenizer/convert_llama_js.mjs $d/node_modules tests/fixtures
//
// It writes <out>/llama2-tokenizer/ and <out>/llama3-tokenizer/ (tokenizer.json.gz,
// tokenizer_config.json, cases.jsonl). Both packages are MIT (belladore.ai);
// the vocabularies are Meta's Llama 2 and Llama 3 tokenizers.
//
// The files are laid out as Hugging Face writes them for meta-llama/Llama-2-7b-hf
// (normalizer Prepend + Replace, no pre-tokenizer, byte_fallback, decoder
// Replace/ByteFallback/Fuse/Strip; merges as "a b" strings) and
// meta-llama/Llama-3.1-8B (Split regex + ByteLevel, ignore_merges, decoder
// ByteLevel; merges as ["a", "b"] pairs), so that both merge spellings and
// both kinds are exercised.
//
// The script also encodes every case with its own plain port of Hugging
// Face's algorithm (lowest-rank pair first, leftmost on ties; Python/Oniguruma
// \s = Unicode White_Space) and reports on stderr where a package's encoder
// disagrees. Known deviations of the packages (the packages' ids are what
// cases.jsonl records unless listed in `hfWins` below):
//  1. llama3-tokenizer-js's split regex uses JavaScript's \s, which includes
//     U+FEFF and excludes U+0085; Hugging Face's (Oniguruma) is White_Space:
//     U+0085 yes, U+FEFF no.
//  2. Both packages order equal-rank merges by origPos / prompt.length added
//     to a rank that steps by 2, which can reorder merges when a word holds
//     more than twice as many symbols as the prompt has UTF-16 units.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { pathToFileURL } from 'node:url';

const [modDir, outDir] = process.argv.slice(2);
if (!modDir || !outDir) {
  process.stderr.write('usage: convert_llama_js.mjs NODE_MODULES_DIR OUT_DIR\n');
  process.exit(2);
}
const load = async name => (await import(pathToFileURL(path.join(modDir, name, JSON.parse(
  fs.readFileSync(path.join(modDir, name, 'package.json'), 'utf8')).main)).href)).default;
const llama2 = await load('llama-tokenizer-js');
const llama3 = await load('llama3-tokenizer-js');

// Merges in rank order (the packages keep rank = 2k + 1 for the k-th merge).
const mergeList = tok => [...tok.merges.entries()].sort((a, b) => a[1] - b[1]).map(e => e[0]);

function writeFixture(dir, tokenizerJson, config) {
  fs.mkdirSync(dir, { recursive: true });
  const text = JSON.stringify(tokenizerJson, null, 1);
  // mtime 0 and no name: the same input gives the same bytes.
  fs.writeFileSync(path.join(dir, 'tokenizer.json.gz'), zlib.gzipSync(Buffer.from(text, 'utf8'), { level: 9 }));
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify(config, null, 2) + '\n');
}

const added = (id, content, special = true) =>
  ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special });

// ---- Llama 2 ----
const l2merges = mergeList(llama2);
const l2vocab = {};
llama2.vocabById.forEach((t, i) => { l2vocab[t] = i; });
const l2json = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: [added(0, '<unk>'), added(1, '<s>'), added(2, '</s>')],
  normalizer: { type: 'Sequence', normalizers: [
    { type: 'Prepend', prepend: '\u2581' },
    { type: 'Replace', pattern: { String: ' ' }, content: '\u2581' } ] },
  pre_tokenizer: null,
  post_processor: { type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
    pair: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } },
           { SpecialToken: { id: '<s>', type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
    special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } } },
  decoder: { type: 'Sequence', decoders: [
    { type: 'Replace', pattern: { String: '\u2581' }, content: ' ' },
    { type: 'ByteFallback' }, { type: 'Fuse' },
    { type: 'Strip', content: ' ', start: 1, stop: 0 } ] },
  model: { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null,
    end_of_word_suffix: null, fuse_unk: true, byte_fallback: true, vocab: l2vocab, merges: l2merges },
};

// ---- Llama 3 ----
const L3_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const L3_BASE = 128000;
const l3vocab = {};
for (let i = 0; i < L3_BASE; i++) l3vocab[llama3.vocabById[i]] = i;
const l3added = [];
for (let i = L3_BASE; i < llama3.vocabById.length; i++) l3added.push(added(i, llama3.vocabById[i]));
const l3json = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: l3added,
  normalizer: null,
  pre_tokenizer: { type: 'Sequence', pretokenizers: [
    { type: 'Split', pattern: { Regex: L3_PATTERN }, behavior: 'Isolated', invert: false },
    { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false } ] },
  post_processor: { type: 'Sequence', processors: [
    { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    { type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } },
             { SpecialToken: { id: '<|begin_of_text|>', type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '<|begin_of_text|>': { id: '<|begin_of_text|>', ids: [L3_BASE], tokens: ['<|begin_of_text|>'] } } } ] },
  decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
  model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
    fuse_unk: false, byte_fallback: false, ignore_merges: true, vocab: l3vocab,
    merges: mergeList(llama3).map(m => m.split(' ')) },
};

// ---- Hugging Face's algorithm, plainly ----
function bpe(symbols, ranks) {
  let w = symbols.slice();
  for (;;) {
    let best = Infinity, bi = -1;
    for (let i = 0; i + 1 < w.length; i++) {
      const r = ranks.get(w[i] + ' ' + w[i + 1]);
      if (r !== undefined && r < best) { best = r; bi = i; }
    }
    if (bi < 0) return w;
    w.splice(bi, 2, w[bi] + w[bi + 1]);
  }
}
const rankMap = list => new Map(list.map((m, i) => [m, i]));
const l2ranks = rankMap(l2merges);
const l3ranks = rankMap(mergeList(llama3));

function hfLlama2(text) {
  if (text === '') return [];
  const s = '\u2581' + text.replaceAll(' ', '\u2581');
  const syms = [];
  for (const c of s) {
    if (c in l2vocab) syms.push(c);
    else for (const b of Buffer.from(c, 'utf8')) syms.push('<0x' + b.toString(16).toUpperCase().padStart(2, '0') + '>');
  }
  return bpe(syms, l2ranks).map(t => l2vocab[t]);
}

const byteChar = [];
{
  const bs = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = bs.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) if (!bs.includes(b)) { bs.push(b); cs.push(256 + n++); }
  bs.forEach((b, i) => { byteChar[b] = String.fromCharCode(cs[i]); });
}
const WS = '\\t-\\r\\u0085\\p{Z}';
const l3re = new RegExp(L3_PATTERN
  .replace("(?i:'s|'t|'re|'ve|'m|'ll|'d)", "'(?:[sS]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD])")
  .replaceAll('[^\\s', `[^${WS}`).replaceAll('\\s', `[${WS}]`).replaceAll('\\S', `[^${WS}]`), 'gu');
const l3specials = new Map(l3added.map(a => [a.content, a.id]));
function hfLlama3(text) {
  const out = [];
  const special = /<\|[a-z_0-9]+\|>/g;
  let pos = 0;
  const plain = s => {
    for (const m of s.matchAll(l3re)) {
      const word = Array.from(Buffer.from(m[0], 'utf8'), b => byteChar[b]).join('');
      if (word in l3vocab) { out.push(l3vocab[word]); continue; }
      for (const t of bpe([...word], l3ranks)) out.push(l3vocab[t]);
    }
  };
  for (const m of text.matchAll(special)) {
    if (!l3specials.has(m[0])) continue;
    plain(text.slice(pos, m.index));
    out.push(l3specials.get(m[0]));
    pos = m.index + m[0].length;
  }
  plain(text.slice(pos));
  return out;
}

// ---- the cases ----
const cases = [
  'Hello world', 'Hello world!', 'This is a test sentence.', 'grabbed', ' grabbed', '           grabbed',
  '', ' ', '  ', '   ', '\t', '\n', '\n\n', ' \n', '\n ', '\r\n', 'a  b', 'a   b', 'a \n b', 'a\n\n\nb',
  'trailing spaces   ', '   leading spaces', 'tabs\tand\t\ttabs', '\ttabs\t\t\t\tout here', 'line\r\nbreaks\r\n',
  'mixed \t \n whitespace  \n\n  runs', 'x\u00a0y', 'a\u0085 b', '\ufeffx y', '?!\u0085!', 'x \ufeff!', 'a\u0085\u0085!', 'ideographic\u3000space',
  'en\u2002em\u2003thin\u2009', 'line\u2028sep\u2029para', '    ', '        indented', '\n    \n    \n',
  "I'm", "you're", "we've", "he'll", "she'd", "it's", "don't", "can't", "'s 't 're 've 'm 'll 'd",
  "I'M SHOUTING", "Y'ALL'D'VE", "y'all'd've", "rock 'n' roll", "''quoted''", "O'Neil's", "it'S MIXED'Ll",
  '0', '7', '42', '123', '1234', '12345', '1234567', '3.14159', '1,000,000', '2026-11-27', '10:45pm',
  '123456789012345678901234567890', 'x1y2z3', 'v2.0.1-rc3', '0x1F600', '1e-10', '-42', '+3', '$100.00', '50%',
  '\u0661\u0662\u0663 Arabic-Indic', '\u216b roman', '\u00bd \u00be \u00b2', '\u0968\u0966\u0968\u096c', '\uff11\uff12\uff13',
  'Hello, world!', '!!!', '...', '?!', '(parenthesised) [bracketed] {braced}', 'a+b=c; d*e/f', '<html>',
  'email@example.com https://example.org/path?q=1&r=2#frag', '#include <stdio.h>', '~/.bashrc', '@user #tag',
  'caf\u00e9', 'na\u00efve r\u00e9sum\u00e9', '\u00c5ngstr\u00f6m', '\u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac \u03ba\u03b5\u03af\u03bc\u03b5\u03bd\u03bf',
  '\u0420\u0443\u0441\u0441\u043a\u0438\u0439 \u0442\u0435\u043a\u0441\u0442', '\u05e2\u05d1\u05e8\u05d9\u05ea', '\u0627\u0644\u0639\u0631\u0628\u064a\u0629',
  '\u4e2d\u6587\u5b57\u7b26\u6d4b\u8bd5', '\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8', '\ud55c\uad6d\uc5b4 \ud14d\uc2a4\ud2b8', '\u0e44\u0e17\u0e22', '\u0939\u093f\u0928\u094d\u0926\u0940',
  '\u9547', '\ua64a', '\u2603 snowman', '\u00df\u1e9e', '\u0130stanbul', 'Stra\u00dfe', '\u01c5', '\ufb01',
  'e\u0301 combining', 'a\u0308\u0301b', 'Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319algo',
  '\ud83d\ude00', '\ud83d\udc4d\ud83c\udffd', '\ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67\u200d\ud83d\udc66 family',
  '\ud83c\uddeb\ud83c\uddf7 flag', 'emoji \ud83c\udf89\ud83c\udf89 party', '\u2764\ufe0f', '\ud83e\udd99', '\ud83e\udd99\ua64a', '\ua64a\ud83e\udd99',
  '\ud83e\udd99\ud83e\udd99\ud83e\udd99\ud83e\udd99 llamas', '\ud835\udc00\ud835\udc01\ud835\udc02 math bold',
  '\u0000 nul', '\u0001\u0002\u0003 controls', '\u007f del', '\u00ad soft hyphen', '\u200b zero\u200bwidth',
  'The quick brown fox jumps over the lazy dog.',
  "The llama (/\u02c8l\u0251\u02d0m\u0259/; \ud83e\udd99Spanish pronunciation: [\u02c8\u028eama]) (Lama glama) is a domesticated South American camelid.",
  'CamelCaseIdentifier snake_case_identifier kebab-case-identifier SCREAMING_CASE',
  'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  '                                                            ',
  '\u2581 already a metaspace \u2581\u2581', '<0x41> looks like a byte token', '\u0120 and \u010a',
  'ax\n####\nboo', '<unk> <s> </s>', '<|start_header_id|>', '<|eot_id|> not special here?',
];
const code = [
  '    def f(x):\n        return x * 2\n',
  'int main(void)\n{\n\tprintf("%d\\n", 42);\n\treturn 0;\n}\n',
  'for (let i = 0; i < n; i++) { sum += a[i] ** 2; }',
  'SELECT id, name FROM users WHERE age >= 18 ORDER BY name;',
  '#!/bin/sh\nset -eu\nfor f in *.txt; do wc -l "$f"; done\n',
  '{"key": [1, 2.5, null, true], "nested": {"a": "b"}}',
  'fn main() -> Result<(), Box<dyn Error>> {\n    Ok(())\n}',
  '<div class="x">&nbsp;&lt;tag&gt;</div>',
  'x = [i**2 for i in range(10) if i % 2 == 0]  # squares',
  '\tif (a && b || !c) return -1;\r\n',
  '// comment\n/* block */\n',
  'diff --git a/x b/x\n@@ -1,3 +1,4 @@\n-old\n+new\n',
];
cases.push(...code);
// Runs of each whitespace kind and length, and digit runs of each length.
for (const ws of [' ', '\t', '\n', '\r\n', ' \n', '\u00a0', '\u3000'])
  for (const n of [1, 2, 3, 4, 5, 8, 16])
    cases.push(`a${ws.repeat(n)}b`, `${ws.repeat(n)}x`, `x${ws.repeat(n)}`);
for (let n = 1; n <= 12; n++) cases.push('9876543210987'.slice(0, n), `abc${'5'.repeat(n)}def`);

// Varied real text: every 29th fortune of each fortune file, when present.
const fortuneDir = '/usr/share/games/fortunes';
if (fs.existsSync(fortuneDir)) {
  for (const f of fs.readdirSync(fortuneDir).filter(f => f.endsWith('.u8')).sort()) {
    const items = fs.readFileSync(path.join(fortuneDir, f), 'utf8').split('\n%\n');
    for (let i = 0; i < items.length; i += 29)
      if (items[i].length < 1200) cases.push(items[i]);
  }
}

function writeCases(dir, name, encodeRef, encodeHf, hfWins) {
  const lines = [];
  let differ = 0;
  for (const text of cases) {
    const ref = encodeRef(text);
    const hf = encodeHf(text);
    let ids = ref;
    if (JSON.stringify(ref) !== JSON.stringify(hf)) {
      differ++;
      process.stderr.write(`${name} differs from HF's algorithm on ${JSON.stringify(text)}: ${ref} vs ${hf}\n`);
      if (hfWins(text)) ids = hf;
    }
    lines.push(JSON.stringify({ text, ids }));
  }
  fs.writeFileSync(path.join(dir, 'cases.jsonl'), lines.join('\n') + '\n');
  process.stderr.write(`${name}: ${cases.length} cases, ${differ} where the package differs\n`);
}

const l2dir = path.join(outDir, 'llama2-tokenizer');
const l3dir = path.join(outDir, 'llama3-tokenizer');
writeFixture(l2dir, l2json, {
  add_bos_token: true, add_eos_token: false, bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>',
  pad_token: null, model_max_length: 4096, tokenizer_class: 'LlamaTokenizer', legacy: true,
});
writeFixture(l3dir, l3json, {
  bos_token: '<|begin_of_text|>', eos_token: '<|end_of_text|>', model_max_length: 131072,
  tokenizer_class: 'PreTrainedTokenizerFast',
});
// Where the packages deviate from Hugging Face in a known way (see above),
// the case records Hugging Face's ids.
const jsWhitespace = t => /[\u0085\ufeff]/.test(t);
writeCases(l2dir, 'llama-tokenizer-js', t => llama2.encode(t, false, true), hfLlama2, () => false);
writeCases(l3dir, 'llama3-tokenizer-js', t => llama3.encode(t, { bos: false, eos: false }), hfLlama3, jsWhitespace);

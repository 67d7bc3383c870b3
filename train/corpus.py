#!/usr/bin/env python3
"""Build the training corpus and the held-out text for quantlab-tiny.

Python 3 standard library only. Reads English text that Debian ships
(see train/SOURCES.md), strips dictd formatting and markup, cuts it into
documents (one dictionary entry, one Bible chapter, one fortune), removes
exact duplicates, and splits the documents deterministically:

  * about 1% of the documents are held out (sha256 of source + document);
    training never sees any of them;
  * of those, a deterministic sample of about 150,000 characters becomes
    public/models/quantlab-tiny/heldout.txt (committed; QuantLab's
    perplexity text); the rest goes to work/corpus/valid.txt.xz (also
    never trained on; used as a second held-out loss during training);
  * the other ~99% go, shuffled with a fixed seed, to
    work/corpus/train.txt.xz, documents separated by <|endoftext|>.

Usage:  python3 train/corpus.py            (from the repository root)
"""
import base64
import gzip
import hashlib
import json
import lzma
import os
import random
import re
import subprocess
import sys
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "work", "corpus")
HELDOUT_PATH = os.path.join(ROOT, "public", "models", "quantlab-tiny", "heldout.txt")
DICTD = "/usr/share/dictd"
FORTUNES = "/usr/share/games/fortunes"
EOT = "<|endoftext|>"

HOLDOUT_PER_10000 = 100          # 1% of documents
HELDOUT_TARGET_CHARS = 150_000   # size of heldout.txt
SHUFFLE_SEED = 1234

# --------------------------------------------------------------------------
# dictd reading

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_B64V = {c: i for i, c in enumerate(_B64)}


def _b64num(s):
    n = 0
    for c in s:
        n = n * 64 + _B64V[c]
    return n


def dictd_entries(name):
    """Yield (headword, raw entry text) in file order, each entry once."""
    data = gzip.open(os.path.join(DICTD, name + ".dict.dz")).read()
    seen = set()
    spans = []
    with open(os.path.join(DICTD, name + ".index"), encoding="utf-8", errors="replace") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3:
                continue
            head = parts[0]
            if head.startswith("00-database") or head.startswith("00database"):
                continue
            off, ln = _b64num(parts[1]), _b64num(parts[2])
            if (off, ln) in seen:
                continue
            seen.add((off, ln))
            spans.append((off, ln, head))
    spans.sort()
    for off, ln, head in spans:
        raw = data[off:off + ln].decode("utf-8", errors="replace")
        yield head, raw


# --------------------------------------------------------------------------
# generic text helpers

_CTRL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffd\u00ad]")


def norm(s):
    s = unicodedata.normalize("NFC", s)
    s = s.replace("\t", " ").replace("\u00a0", " ").replace("\r", "")
    return _CTRL.sub("", s)


def reflow(paragraph_lines):
    """Join wrapped lines of one paragraph into one line."""
    out = ""
    for ln in paragraph_lines:
        ln = ln.strip()
        if not ln:
            continue
        if not out:
            out = ln
        elif re.search(r"[A-Za-z]-$", out) and not out.endswith("--") and ln[:1].islower():
            out += ln          # a word wrapped at its own hyphen: first-|class
        else:
            out += " " + ln
    return re.sub(r" {2,}", " ", out)


def paragraphs(text):
    """Split on blank lines, reflow each paragraph."""
    paras = []
    for block in re.split(r"\n\s*\n", text):
        p = reflow(block.split("\n"))
        if p:
            paras.append(p)
    return paras


def letters_ratio(s):
    if not s:
        return 0.0
    return sum(c.isalpha() or c.isspace() for c in s) / len(s)


# --------------------------------------------------------------------------
# GCIDE

_GCIDE_NAMED = {
    "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "eth": "ð", "thorn": "þ",
    "yogh": "ȝ", "deg": "°", "sect": "§", "pounds": "£", "root": "√",
    "imac": "ī", "aum": "ä", "asl": "'", "add": "", "udd": "", "ng": "ng",
    "th": "th", "dsdot": "ḍ", "bprime": "′", "prime": "′", "flat": "♭",
    "sharp": "♯", "bar": "|", "middot": "·", "frac12": "½", "frac14": "¼",
    "frac34": "¾", "cre": "", "hand": "☞", "?": "?",
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "iota": "ι", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "omicron": "ο", "pi": "π",
    "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ",
    "chi": "χ", "psi": "ψ", "omega": "ω", "Delta": "Δ", "Gamma": "Γ",
    "Sigma": "Σ", "Omega": "Ω", "Pi": "Π", "Phi": "Φ", "Psi": "Ψ",
    "Theta": "Θ", "Lambda": "Λ",
}
# GCIDE's letter codes: a mark before or after one or two letters.
_MARK_BEFORE = {"'": "\u0301", "`": "\u0300", '"': "\u0308", ",": "\u0327",
                "~": "\u0303", "^": "\u0302", "=": "\u0304", ".": "\u0323",
                "-": "\u0304", "*": ""}
_MARK_AFTER = {"^": "\u0306", "=": "\u0304", "~": "\u0303"}
# ("[R.]", "[L.]" are usage and language labels, not letter codes)
_CODE = re.compile(r"\[([`'\",~^=.*-]?)([A-Za-z]{1,2}|oo)([\^=~]?)\]")
_NAMED = re.compile(r"\[(" + "|".join(re.escape(k) for k in sorted(_GCIDE_NAMED, key=len, reverse=True)) + r")\]")
_SOURCE_LINE = re.compile(
    r"^\s*\[(?:[^\]\n]*(?:Webster|WordNet|PJC|Century|RDH|RHUD|MW\d*|Suppl|\bAS\b|\bGG\b|\bRP\b|MI\d+)[^\]\n]*)\]\s*$",
    re.M)


def _gcide_code(m):
    before, letters, after = m.group(1), m.group(2), m.group(3)
    if not before and not after and letters not in ("oo",):
        return m.group(0)          # a plain bracketed word like [He] or [R]
    mark = ""
    if before:
        mark = _MARK_BEFORE.get(before, "")
    elif after:
        mark = _MARK_AFTER.get(after, "")
    if len(letters) == 1:
        return unicodedata.normalize("NFC", letters + mark)
    return letters


def clean_gcide(raw):
    t = raw
    if "Begin file" in t and "GCIDE" in t:
        return None
    t = _SOURCE_LINE.sub("", t)
    t = re.sub(r" ?\[(?:PJC|RHUD|RDH|1913 Webster[^\]\n]*|WordNet 1\.[56][^\]\n]*)\]", "", t)
    # headword in \Syl*la*ble\ form and the phonetic respelling after it
    head_end = t.find("\n\n")
    head = t if head_end < 0 else t[:head_end]
    rest = "" if head_end < 0 else t[head_end:]
    head = re.sub(r"\s*\\[^\\\n]*\\", "", head)
    head = re.sub(r"\s*\((?=[^()\n]*[\[`\"*])[^()\n]*\)", "", head)
    t = head + rest
    t = re.sub(r"(?<=[A-Za-z)])\[\d\]", "", t)        # sense index: ferment[1]
    t = _NAMED.sub(lambda m: _GCIDE_NAMED[m.group(1)], t)
    t = _CODE.sub(_gcide_code, t)
    t = t.replace("{", "").replace("}", "")
    t = t.replace("<--", "").replace("-->", "")
    paras = [p for p in paragraphs(t) if not re.fullmatch(r"\[[^\]]*\]", p)]
    return "\n".join(paras) if paras else None


# --------------------------------------------------------------------------
# WordNet

_WN_POS = {"n": "noun", "v": "verb", "adj": "adjective", "adv": "adverb"}


def clean_wn(raw):
    lines = raw.split("\n")
    head = lines[0].strip()
    body = "\n".join(lines[1:])
    body = re.sub(r"\[(?:syn|ant|also|see also):[^\]]*\]", "", body, flags=re.S)
    body = body.replace("{", "").replace("}", "")
    senses = []
    cur = []
    pos = None
    for ln in body.split("\n"):
        m = re.match(r"^\s{2,}(?:(n|v|adj|adv)\s+)?(\d+):\s*(.*)$", ln)
        if m:
            if cur:
                senses.append(cur)
            if m.group(1):
                pos = _WN_POS[m.group(1)]
            cur = [pos, m.group(2), [m.group(3)]]
        elif cur:
            cur[2].append(ln)
    if cur:
        senses.append(cur)
    if not senses:
        return None
    out = [head]
    last_pos = None
    for p, num, gl in senses:
        g = reflow(gl).rstrip(" ;")
        if not g:
            continue
        prefix = (p + " " if p != last_pos else "") + num + ": "
        last_pos = p
        out.append(prefix + g)
    return "\n".join(out) if len(out) > 1 else None


def wn_key(doc):
    """Documents whose senses are identical (synonyms) count as duplicates."""
    return doc.split("\n", 1)[1] if "\n" in doc else doc


# --------------------------------------------------------------------------
# FOLDOC, Jargon File, Devil's Dictionary

_BOX = re.compile(r"[\u2500-\u257f\u25a0-\u25ff]")


def clean_foldoc(raw):
    t = raw.replace("{", "").replace("}", "")
    t = re.sub(r"<([a-z][a-z ,/-]*)>\s*", "", t)          # <programming> labels
    t = re.sub(r"^\s*\(\d{4}-\d{2}-\d{2}\)\s*$", "", t, flags=re.M)   # dates
    t = re.sub(r"^\s*\[[^\]\n]*\]\s*$", "", t, flags=re.M)          # [Jargon File]
    t = re.sub(r"^\s*(?:https?|ftp|gopher|news|mailto)://\S+\s*$", "", t, flags=re.M)
    paras = paragraphs(t)
    return "\n".join(paras) if len(paras) > 1 else None


def clean_jargon(raw):
    lines = [ln for ln in raw.split("\n") if not _BOX.search(ln)]
    t = "\n".join(lines).replace("{", "").replace("}", "")
    t = re.sub(r"^(\s*)/[^/\n]+/,?\s*", r"\1", t, flags=re.M)      # /pro·nun·ci·a·tion/
    paras = paragraphs(t)
    return "\n".join(paras) if len(paras) > 1 else None


def clean_devil(raw):
    t = raw.replace("_", "")
    paras = []
    for block in re.split(r"\n\s*\n", t):
        lines = [ln for ln in block.split("\n") if ln.strip()]
        if not lines:
            continue
        # verse (indented lines) keeps its line breaks, prose is reflowed
        if sum(ln.startswith("    ") for ln in lines) >= max(2, len(lines) // 2):
            paras.append("\n".join(ln.strip() for ln in lines))
        else:
            paras.append(reflow(lines))
    return "\n".join(paras) if paras else None


# --------------------------------------------------------------------------
# KJV Bible (through the `bible` program of bible-kjv)

def bible_chapters():
    txt = subprocess.run(["bible", "-l100000", "gen1:1-re22:21"], check=True,
                         capture_output=True, text=True).stdout
    chapter, verses = None, []
    for ln in txt.split("\n"):
        if not ln.strip():
            continue
        m = re.match(r"^\s+\d+\s+(.*)$", ln)
        if m:
            verses.append(m.group(1).strip())
        else:
            if chapter and verses:
                yield chapter, chapter + "\n" + "\n".join(verses)
            chapter, verses = ln.strip(), []
    if chapter and verses:
        yield chapter, chapter + "\n" + "\n".join(verses)


# --------------------------------------------------------------------------
# fortunes

FORTUNE_SKIP = {"art", "ascii-art", "translate-me"}


def fortunes():
    for name in sorted(os.listdir(FORTUNES)):
        path = os.path.join(FORTUNES, name)
        if "." in name or os.path.islink(path) or name in FORTUNE_SKIP:
            continue
        raw = open(path, encoding="utf-8", errors="replace").read()
        for i, f in enumerate(re.split(r"\n%\n", raw)):
            lines = [ln.rstrip() for ln in norm(f).split("\n")]
            while lines and not lines[0].strip():
                lines.pop(0)
            while lines and not lines[-1].strip():
                lines.pop()
            if not lines:
                continue
            indent = min(len(ln) - len(ln.lstrip()) for ln in lines if ln.strip())
            text = "\n".join(ln[indent:] for ln in lines)
            text = re.sub(r"\n{3,}", "\n\n", text)
            if letters_ratio(text) < 0.75 or len(text) < 20:
                continue               # ASCII art, tables
            yield "%s#%d" % (name, i), text


# --------------------------------------------------------------------------

SOURCES = [
    # name, package, license, generator of (key, document)
    ("gcide", "dict-gcide", "GPL-2.0-or-later"),
    ("wordnet", "dict-wn", "WordNet 3.0 license (permissive, BSD-like)"),
    ("foldoc", "dict-foldoc", "GFDL-1.1-or-later"),
    ("jargon", "dict-jargon", "public domain"),
    ("devil", "dict-devil", "public domain (1911)"),
    ("kjv", "bible-kjv-text", "public domain (outside the UK)"),
    ("fortunes", "fortunes, fortunes-min", "BSD-style (fortune-mod)"),
]


def documents(source):
    if source == "gcide":
        for h, raw in dictd_entries("gcide"):
            yield h, clean_gcide(norm(raw))
    elif source == "wordnet":
        for h, raw in dictd_entries("wn"):
            yield h, clean_wn(norm(raw))
    elif source == "foldoc":
        for h, raw in dictd_entries("foldoc"):
            yield h, clean_foldoc(norm(raw))
    elif source == "jargon":
        for h, raw in dictd_entries("jargon"):
            yield h, clean_jargon(norm(raw))
    elif source == "devil":
        for h, raw in dictd_entries("devil"):
            yield h, clean_devil(norm(raw))
    elif source == "kjv":
        for h, doc in bible_chapters():
            yield h, norm(doc)
    elif source == "fortunes":
        yield from fortunes()


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    os.makedirs(os.path.dirname(HELDOUT_PATH), exist_ok=True)
    seen = set()
    train, held = [], []       # (source, index, hash, doc)
    stats = {}
    for source, pkg, lic in SOURCES:
        n = chars = dup = 0
        for i, (key, doc) in enumerate(documents(source)):
            if not doc:
                continue
            doc = doc.strip("\n") + "\n"
            dkey = hashlib.sha256((wn_key(doc) if source == "wordnet" else doc).encode()).digest()
            if dkey in seen:
                dup += 1
                continue
            seen.add(dkey)
            h = int.from_bytes(hashlib.sha256((source + "\0" + doc).encode()).digest()[:8], "big")
            rec = (source, i, h, doc)
            if h % 10000 < HOLDOUT_PER_10000:
                held.append(rec)
            else:
                train.append(rec)
            n += 1
            chars += len(doc)
        stats[source] = {"package": pkg, "license": lic, "documents": n,
                         "characters": chars, "duplicates_dropped": dup}
        print("%-9s %8d docs %11d chars (%d duplicates dropped)" % (source, n, chars, dup), file=sys.stderr)

    # heldout.txt: the held-out documents with the smallest second hash, up
    # to the target size, then in source order.
    held.sort(key=lambda r: hashlib.sha256(b"heldout" + r[3].encode()).digest())
    pick, total = [], 0
    rest = []
    for r in held:
        if total < HELDOUT_TARGET_CHARS:
            pick.append(r)
            total += len(r[3]) + 1
        else:
            rest.append(r)
    order = {s[0]: k for k, s in enumerate(SOURCES)}
    pick.sort(key=lambda r: (order[r[0]], r[1]))
    rest.sort(key=lambda r: (order[r[0]], r[1]))
    heldout_text = "\n".join(r[3] for r in pick)      # documents separated by a blank line
    with open(HELDOUT_PATH, "w", encoding="utf-8", newline="\n") as f:
        f.write(heldout_text)

    rng = random.Random(SHUFFLE_SEED)
    rng.shuffle(train)
    train_text = EOT.join(r[3] for r in train)
    valid_text = EOT.join(r[3] for r in rest)
    assert EOT not in "".join(r[3] for r in train + held)
    with lzma.open(os.path.join(OUT_DIR, "train.txt.xz"), "wt", encoding="utf-8", preset=6) as f:
        f.write(train_text)
    with lzma.open(os.path.join(OUT_DIR, "valid.txt.xz"), "wt", encoding="utf-8", preset=6) as f:
        f.write(valid_text)
    # heldout.txt's documents joined by <|endoftext|> (a diagnostic for train.py)
    with lzma.open(os.path.join(OUT_DIR, "heldout_docs.txt.xz"), "wt", encoding="utf-8", preset=6) as f:
        f.write(EOT.join(r[3] for r in pick))

    held_by_src = {}
    for r in pick:
        held_by_src[r[0]] = held_by_src.get(r[0], 0) + len(r[3])
    summary = {
        "sources": stats,
        "train": {"documents": len(train), "characters": sum(len(r[3]) for r in train)},
        "held_out_all": {"documents": len(held), "characters": sum(len(r[3]) for r in held)},
        "heldout_txt": {"documents": len(pick), "characters": len(heldout_text),
                        "utf8_bytes": len(heldout_text.encode()), "by_source": held_by_src,
                        "sha256": hashlib.sha256(heldout_text.encode()).hexdigest()},
        "valid": {"documents": len(rest), "characters": sum(len(r[3]) for r in rest)},
    }
    with open(os.path.join(OUT_DIR, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()

"""Check that a model's vocabulary is the one openai-whisper's tokenizer speaks.

WhisperScope decodes every model with whisper's own tiktoken tokenizer, chosen from the
vocabulary size as whisper does: 51864 tokens is English-only (gpt2 + specials), 51865 is
multilingual with 99 languages, 51866 multilingual with 100 (large-v3, turbo). A fine-tune
with added tokens, or a tokenizer whose special tokens sit elsewhere, would decode to the
wrong text, so it is refused here. A Hugging Face or CTranslate2 folder says where its
special tokens are in `tokenizer.json` (`added_tokens`) or `added_tokens.json`.
"""

from __future__ import annotations

import json
from pathlib import Path

from whisperscope.errors import ModelError

ENGLISH_VOCAB = 51864
WHISPER_VOCAB_SIZES = {ENGLISH_VOCAB: "English", 51865: "multilingual", 51866: "multilingual"}
_MAX_TOKENIZER_BYTES = 64 * 1024 * 1024
_CHECKED_SPECIALS = ("<|endoftext|>", "<|startoftranscript|>", "<|notimestamps|>")


def is_multilingual_vocab(n_vocab: int) -> bool:
    """whisper's rule (`Whisper.is_multilingual`)."""
    return n_vocab >= ENGLISH_VOCAB + 1


def check_vocab_size(n_vocab: int, source: str) -> None:
    if n_vocab not in WHISPER_VOCAB_SIZES:
        sizes = ", ".join(f"{n} ({kind})" for n, kind in WHISPER_VOCAB_SIZES.items())
        raise ModelError(
            f"{source}: the model has {n_vocab} tokens, but whisper's tokenizers have "
            f"{sizes}; a model with added or removed tokens cannot be decoded with them."
        )


def check_tokenizer_files(folder: Path, n_vocab: int, source: str) -> None:
    """Compare the special-token ids of the folder's tokenizer files (when it has any) with
    whisper's tokenizer for `n_vocab` tokens; raise `ModelError` on the first mismatch."""
    found = _special_ids(folder)
    if not found:
        return
    check_vocab_size(n_vocab, source)
    from whisper.tokenizer import get_tokenizer

    multilingual = is_multilingual_vocab(n_vocab)
    tokenizer = get_tokenizer(multilingual, num_languages=n_vocab - 51765 - int(multilingual))
    for text, token_id in found.items():
        expected = tokenizer.special_tokens[text]
        if token_id != expected:
            raise ModelError(
                f"{source}: its tokenizer puts {text} at id {token_id}, whisper's "
                f"{WHISPER_VOCAB_SIZES[n_vocab]} tokenizer at {expected}; WhisperScope can "
                "only decode models that use whisper's vocabulary."
            )


def _special_ids(folder: Path) -> dict[str, int]:
    """{special token: id} for the checked specials, from tokenizer.json or
    added_tokens.json; {} when the folder has neither."""
    tokenizer = _read_json(folder / "tokenizer.json")
    if isinstance(tokenizer, dict) and isinstance(tokenizer.get("added_tokens"), list):
        pairs = {
            entry.get("content"): entry.get("id")
            for entry in tokenizer["added_tokens"]
            if isinstance(entry, dict)
        }
    else:
        added = _read_json(folder / "added_tokens.json")
        pairs = added if isinstance(added, dict) else {}
    return {
        text: pairs[text]
        for text in _CHECKED_SPECIALS
        if isinstance(pairs.get(text), int)
    }


def _read_json(path: Path):
    try:
        if path.stat().st_size > _MAX_TOKENIZER_BYTES:
            raise ModelError(f"{path}: too large for a tokenizer file.")
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ModelError(f"{path}: cannot read the tokenizer file: {exc}") from exc

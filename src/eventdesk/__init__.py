"""eventdesk: news reports in, who did what to whom out, each field traced to its words.

    >>> import eventdesk
    >>> result = eventdesk.extract("MOSCOW, Oct 9 (Reuters) - Armenia and Azerbaijan began talks.")
    >>> result.to_json()["events"]
"""
from .errors import ConfigError, EventdeskError, InputError, ModelNotFound, StorageError
from .model import (Article, ArticleInput, Count, Entity, Event, Extraction, Place, Quote, Span,
                    TimeExpr)
from .pipeline import Failure, extract, extract_many
from .store import Store

__all__ = [
    "Article", "ArticleInput", "ConfigError", "Count", "Entity", "Event", "EventdeskError",
    "Extraction", "Failure", "InputError", "ModelNotFound", "Place", "Quote", "Span",
    "StorageError", "Store", "TimeExpr", "extract", "extract_many",
]
__version__ = "0.1.0"

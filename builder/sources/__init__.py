"""Input sources: folders of text/HTML files, JSON Lines and Parquet."""

from builder.sources.base import DOCUMENT_SCHEMA, REJECT_SCHEMA, InputFile, ReadResult, Shard, Source
from builder.sources.files import FileSource
from builder.sources.records import JsonlSource, ParquetSource

__all__ = ["DOCUMENT_SCHEMA", "REJECT_SCHEMA", "InputFile", "ReadResult", "Shard", "Source",
           "FileSource", "JsonlSource", "ParquetSource"]

"""Stages: pure functions from a document table to a document table."""

from builder.stages.base import Stage
from builder.stages.boilerplate import LearnedBoilerplate
from builder.stages.dedup import MinHashDeduplicator
from builder.stages.extract import HtmlExtractor
from builder.stages.filter import QualityFilter
from builder.stages.language import LanguageIdentifier
from builder.stages.ner import SpacyEntityTagger
from builder.stages.normalize import TextNormalizer
from builder.stages.segment import BoilerplateSegmenter
from builder.stages.split import HashSplitter
from builder.stages.stance import StancePairer, ZeroShotStanceLabeler
from builder.stages.stance_trained import TrainedStanceLabeler

__all__ = ["Stage", "LearnedBoilerplate", "HtmlExtractor", "TextNormalizer", "BoilerplateSegmenter", "QualityFilter", "LanguageIdentifier",
           "MinHashDeduplicator", "HashSplitter", "SpacyEntityTagger", "StancePairer", "ZeroShotStanceLabeler",
           "TrainedStanceLabeler"]

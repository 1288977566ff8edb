"""news-dataset-builder: labelled NLP datasets from scraped news articles."""

__version__ = "0.2.0"

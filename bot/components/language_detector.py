"""Rasa NLU component: tags every message with its language as a `language` entity.

The domain maps the entity to the `language` slot (entity not influencing the dialogue), so a
message whose language cannot be told leaves the slot, and with it the reply language, unchanged.
The phrase/word lexicon is learnt from the training examples' intent metadata (`language: xx`) and
stored in the model as JSON.
"""

import json
import logging
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.language import Detection, LanguageIdentifier, LanguageLexicon

logger = logging.getLogger(__name__)

LANGUAGE_ENTITY = "language"
LEXICON_FILE = "language_lexicon.json"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True
)
class LanguageDetector(GraphComponent, EntityExtractorMixin):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "min_confidence": 0.6,
            "short_text_letters": 12,
            "short_text_min_confidence": 0.85,
            "min_letters": 2,
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        lexicon: Optional[LanguageLexicon] = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._identifier = LanguageIdentifier(
            lexicon,
            min_confidence=config["min_confidence"],
            short_text_letters=config["short_text_letters"],
            short_text_min_confidence=config["short_text_min_confidence"],
            min_letters=config["min_letters"],
        )

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LanguageDetector":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = []
        for message in training_data.intent_examples:
            metadata = message.get("metadata") or {}
            language = (metadata.get("intent") or {}).get("language") or (
                metadata.get("example") or {}
            ).get("language")
            if language and message.get(TEXT):
                examples.append((message.get(TEXT), language))
        lexicon = LanguageLexicon.from_examples(examples)
        logger.info(
            "Language lexicon: %d phrases, %d words from %d examples",
            len(lexicon.phrases), len(lexicon.words), len(examples),
        )
        with self._model_storage.write_to(self._resource) as directory:
            (directory / LEXICON_FILE).write_text(
                json.dumps(lexicon.to_dict(), ensure_ascii=False), encoding="utf-8"
            )
        self._identifier.lexicon = lexicon
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "LanguageDetector":
        try:
            with model_storage.read_from(resource) as directory:
                data = json.loads((directory / LEXICON_FILE).read_text(encoding="utf-8"))
            lexicon = LanguageLexicon.from_dict(data)
        except (ValueError, FileNotFoundError):
            logger.warning("No language lexicon in the model; using the statistical detector only.")
            lexicon = None
        return cls(config, model_storage, resource, lexicon)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        # The language is not a trainable entity: leave the training data untouched.
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            detection: Detection = self._identifier.detect(text)
            message.set(
                "language",
                {
                    "code": detection.language,
                    "confidence": round(detection.confidence, 3),
                    "method": detection.method,
                },
                add_to_output=True,
            )
            if detection.language is None:
                continue
            entity = {
                "entity": LANGUAGE_ENTITY,
                "value": detection.language,
                "start": 0,
                "end": len(text),
                "confidence": round(detection.confidence, 3),
            }
            entities = message.get(ENTITIES, []) + self.add_extractor_name([entity])
            message.set(ENTITIES, entities, add_to_output=True)
        return messages

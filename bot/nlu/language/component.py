"""Rasa NLU component: tags every message with its language as a `language` entity.

The domain maps the entity to the `language` slot (entity not influencing the dialogue), so a
message whose language cannot be told leaves the slot, and with it the reply language, unchanged.
The phrase/word lexicon is learnt from the training examples' intent metadata (`language: xx`) and
stored in the model as JSON. The model itself (the lexicon and the identifier) is
core/language_detection.py rather than a model.py here, because the REST channel and the manuals'
ingestion and search use it too.
"""

import json
import logging
from typing import Any, Dict, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.stored import StoredStateComponent, code_version
from core.language_detection import Detection, LanguageIdentifier, LanguageLexicon

logger = logging.getLogger(__name__)

LANGUAGE_ENTITY = "language"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True
)
class LanguageDetector(StoredStateComponent, EntityExtractorMixin):
    STATE_FILE = "language_lexicon.json"
    WITHOUT_STATE = "No language lexicon in the model; using the statistical detector only."

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "min_confidence": 0.6,
            "short_text_letters": 12,
            "short_text_min_confidence": 0.85,
            "min_letters": 2,
            "code": code_version(__file__, "language_detection", "languages"),
        }

    def _use_state(self, state: Optional[LanguageLexicon]) -> None:
        self._identifier = LanguageIdentifier(
            state,
            min_confidence=self._config["min_confidence"],
            short_text_letters=self._config["short_text_letters"],
            short_text_min_confidence=self._config["short_text_min_confidence"],
            min_letters=self._config["min_letters"],
        )

    @classmethod
    def decode_state(cls, data: bytes, config: Dict[Text, Any]) -> LanguageLexicon:
        return LanguageLexicon.from_dict(json.loads(data.decode("utf-8")))

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
        return self.store_state(
            lexicon, json.dumps(lexicon.to_dict(), ensure_ascii=False).encode("utf-8")
        )

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

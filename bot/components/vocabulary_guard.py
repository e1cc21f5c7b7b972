"""Rasa NLU component: a message with no known word gets intent confidence 0, so the
FallbackClassifier that follows turns it into `nlu_fallback` (see vocabulary.py for why)."""

import json
import logging
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.vocabulary import Vocabulary

logger = logging.getLogger(__name__)

VOCABULARY_FILE = "vocabulary.json"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class VocabularyGuard(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # Below this share of known words the message counts as not understood.
        return {"min_known_share": 0.01, "typo_cutoff": 0.8}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vocabulary: Optional[Vocabulary] = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._vocabulary = vocabulary

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "VocabularyGuard":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        texts = [m.get(TEXT) for m in training_data.training_examples if m.get(TEXT)]
        texts += list(training_data.entity_synonyms.keys())
        for lookup in training_data.lookup_tables:
            elements = lookup.get("elements")
            if isinstance(elements, list):
                texts += [str(e) for e in elements]
        vocabulary = Vocabulary.from_texts(texts, typo_cutoff=self._config["typo_cutoff"])
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(
                json.dumps(sorted(vocabulary.known), ensure_ascii=False), encoding="utf-8"
            )
        self._vocabulary = vocabulary
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "VocabularyGuard":
        try:
            with model_storage.read_from(resource) as directory:
                known = json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8"))
            vocabulary: Optional[Vocabulary] = Vocabulary(known, typo_cutoff=config["typo_cutoff"])
        except (ValueError, FileNotFoundError):
            logger.warning("No vocabulary in the model; the vocabulary guard is off.")
            vocabulary = None
        return cls(config, model_storage, resource, vocabulary)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        if self._vocabulary is None:
            return messages
        for message in messages:
            share = self._vocabulary.known_share(message.get(TEXT) or "")
            message.set("known_word_share", round(share, 3), add_to_output=True)
            if share >= self._config["min_known_share"]:
                continue
            intent = message.get(INTENT) or {}
            if intent.get("name"):
                message.set(INTENT, {**intent, "confidence": 0.0}, add_to_output=True)
                ranking = message.get(INTENT_RANKING_KEY) or []
                message.set(
                    INTENT_RANKING_KEY,
                    [{**r, "confidence": 0.0} for r in ranking],
                    add_to_output=True,
                )
        return messages

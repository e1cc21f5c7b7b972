"""Rasa NLU component: a message with no known word gets intent confidence 0, so the
FallbackClassifier that follows turns it into `nlu_fallback` (see model.py for why)."""

import json
from typing import Any, Dict, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.stored import StoredStateComponent, code_version
from bot.nlu.vocabulary.model import Vocabulary


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class VocabularyGuard(StoredStateComponent):
    STATE_FILE = "vocabulary.json"
    WITHOUT_STATE = "No vocabulary in the model; the vocabulary guard is off."

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # Below this share of known words the message counts as not understood.
        return {"min_known_share": 0.01, "typo_cutoff": 0.8, "code": code_version(__file__)}

    @classmethod
    def decode_state(cls, data: bytes, config: Dict[Text, Any]) -> Vocabulary:
        return Vocabulary(json.loads(data.decode("utf-8")), typo_cutoff=config["typo_cutoff"])

    def train(self, training_data: TrainingData) -> Resource:
        texts = [m.get(TEXT) for m in training_data.training_examples if m.get(TEXT)]
        texts += list(training_data.entity_synonyms.keys())
        for lookup in training_data.lookup_tables:
            elements = lookup.get("elements")
            if isinstance(elements, list):
                texts += [str(e) for e in elements]
        vocabulary = Vocabulary.from_texts(texts, typo_cutoff=self._config["typo_cutoff"])
        data = json.dumps(sorted(vocabulary.known), ensure_ascii=False).encode("utf-8")
        return self.store_state(vocabulary, data)

    def process(self, messages: List[Message]) -> List[Message]:
        vocabulary: Optional[Vocabulary] = self._state
        if vocabulary is None:
            return messages
        for message in messages:
            share = vocabulary.known_share(message.get(TEXT) or "")
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

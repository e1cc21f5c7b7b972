"""Base of the project's trainable NLU components: the trained state is one file in Rasa's model
storage, written by `train` and read back by `load`.

A model without the file (trained before the component existed) still loads: the component gets
no state and steps aside, with a warning saying what that means.
"""

import hashlib
import logging
from pathlib import Path
from typing import Any, Dict, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)

CORE = Path(__file__).resolve().parents[2] / "core"


def code_version(component_file: str, *core_modules: str) -> str:
    """Hash of the code a component trains with: its package's Python files, the text folding
    they share and the named modules of core/. Rasa's training cache keys a component by its
    class, config and inputs, not its code, so after a change of the model's code (a solver, a
    feature) a retrain would restore the old model from the cache; this value in the default
    config changes the key."""
    digest = hashlib.sha256()
    files = sorted(Path(component_file).resolve().parent.glob("*.py"))
    for path in [*files, *(CORE / f"{name}.py" for name in ("text", *core_modules))]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


class StoredStateComponent(GraphComponent):
    STATE_FILE = ""  # the file's name in the component's model storage
    WITHOUT_STATE = ""  # the warning when a model has no such file

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        state: Optional[Any] = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._use_state(state)

    def _use_state(self, state: Optional[Any]) -> None:
        self._state = state

    @classmethod
    def decode_state(cls, data: bytes, config: Dict[Text, Any]) -> Any:
        raise NotImplementedError

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "StoredStateComponent":
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "StoredStateComponent":
        try:
            with model_storage.read_from(resource) as directory:
                state = cls.decode_state((directory / cls.STATE_FILE).read_bytes(), config)
        except (ValueError, FileNotFoundError):
            logger.warning(cls.WITHOUT_STATE)
            state = None
        return cls(config, model_storage, resource, state)

    def store_state(self, state: Any, data: bytes) -> Resource:
        """Keep `state` (trained) and write its encoding `data` into the model."""
        with self._model_storage.write_to(self._resource) as directory:
            (directory / self.STATE_FILE).write_bytes(data)
        self._use_state(state)
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        # These components learn from the training data but add nothing to it.
        return training_data

"""Rasa's custom-action webhook (the action-server protocol), served by rasa-sdk's executor."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException

from api.deps import get_action_executor

logger = logging.getLogger(__name__)
router = APIRouter(tags=["rasa actions"])


@router.post("/webhook", summary="Run a custom action for the Rasa server")
async def run_action(
    action_call: Annotated[dict[str, Any], Body(...)],
    executor: Annotated[ActionExecutor, Depends(get_action_executor)],
) -> dict[str, Any]:
    if not action_call.get("next_action"):
        raise HTTPException(status_code=400, detail="the action call names no next_action")
    if not isinstance(action_call.get("tracker"), dict):
        raise HTTPException(status_code=400, detail="the action call has no tracker")
    try:
        result = await executor.run(action_call)
    except ActionNotFoundException as exc:
        # Rasa reads `error` and `action_name` from the body of a failed call.
        logger.error("unknown action requested: %s", exc.action_name)
        raise HTTPException(
            status_code=404, detail={"error": exc.message, "action_name": exc.action_name}
        ) from exc
    except ActionExecutionRejection as exc:
        raise HTTPException(
            status_code=400, detail={"error": exc.message, "action_name": exc.action_name}
        ) from exc
    if result is None:
        return {"events": [], "responses": []}
    return result.model_dump()


@router.get("/actions", summary="Custom actions this service can run")
async def list_actions(
    executor: Annotated[ActionExecutor, Depends(get_action_executor)],
) -> list[dict[str, str]]:
    return [{"name": name} for name in sorted(executor.actions)]

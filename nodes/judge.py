"""The LLM judge: `openevals`' correctness prompt, scored from 0 to 1 by the `judge` model."""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel
from openevals.llm import create_async_llm_as_judge
from openevals.prompts import CORRECTNESS_PROMPT

JUDGE_ROLE = "judge"


async def judge_answer(
    model: BaseChatModel, question: str, answer: str, reference: str
) -> tuple[float | None, str]:
    """Return the judge's correctness score (0-1) and its reasoning; None when it fails."""
    grade = create_async_llm_as_judge(
        prompt=CORRECTNESS_PROMPT, judge=model, feedback_key=JUDGE_ROLE, continuous=True
    )
    try:
        result = await grade(inputs=question, outputs=answer, reference_outputs=reference)
    except Exception as exc:  # a judge that fails leaves the example's other scores standing
        return None, f"the judge failed: {str(exc).splitlines()[0] if str(exc) else exc!r}"
    score = result["score"]  # type: ignore[call-overload]
    comment = str(result.get("comment") or "")  # type: ignore[union-attr]
    return min(1.0, max(0.0, float(score))), comment

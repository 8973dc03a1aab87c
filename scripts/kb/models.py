"""Typed content models: one pydantic model per YAML file in data/.

This module knows nothing about MkDocs. Field docstrings (the `description`s)
are in Chinese because editors see them as hints in their editor through the
generated JSON Schemas in data/schemas/.
"""
from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

# Stable ids become URL anchors: lower-case ASCII words joined by hyphens.
Id = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"),
    Field(description="稳定的标识：小写英文字母、数字和连字符，例如 lead-by-example。发布后不要再改，链接依赖它。"),
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Strict(BaseModel):
    # Unknown keys are errors: a typo in a field name must never pass silently.
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceRef(Strict):
    """一处出处：文档、段落号，可选的原文引文（必须逐字出现在该段中）。"""

    doc: Id = Field(description="文档 id，见 data/documents.yml，例如 speech")
    para: int = Field(ge=1, description="段落号，从 1 开始，与原文页面上的段号一致")
    quote: Text | None = Field(default=None, description="可选：逐字摘自该段的引文，构建时核对")


Sources = Annotated[list[SourceRef], Field(min_length=1, description="出处列表，至少一处")]


class Point(Strict):
    """条目下的一条要点：可带小标题，正文与出处。"""

    title: Text | None = Field(default=None, description="可选的小标题")
    text: Text | None = Field(default=None, description="要点正文（Markdown）")
    sources: Sources


class Item(Strict):
    id: Id
    sources: Sources


# ---- documents ---------------------------------------------------------------------------


class Document(Strict):
    """一篇源文档。段落来自 data/sources/ 下的同名文本文件，每个非空行为一段。"""

    id: Id
    file: Text = Field(description="data/sources/ 下的文件名")
    title: Text
    short_title: Text = Field(description="引用时显示的简称，例如 领导讲话稿")
    kind: Text = Field(description="文种，例如 讲话稿、新闻报道")
    date: Text | None = Field(default=None, description="文中明确写出的日期；文中没有就不填")
    summary: Text = Field(description="一两句话的内容概述")
    sources: Sources | None = None


class DocumentsFile(Strict):
    documents: list[Document] = Field(min_length=1)


# ---- principles --------------------------------------------------------------------------


class Principle(Item):
    """六个基本原则之一。"""

    number: int = Field(ge=1, description="序号：一是 = 1")
    title: Text = Field(description="原则名称，例如 坚持领导带头，层层示范")
    explanation: Text = Field(description="原则的阐述，尽量用原文")
    points: list[Point] = []


class PrinciplesFile(Strict):
    intro: Point
    principles: list[Principle] = Field(min_length=1)


# ---- requirements ------------------------------------------------------------------------


class Requirement(Item):
    number: Text | None = Field(default=None, description="原文中的序号，例如 一、(一)、一是")
    title: Text
    text: Text | None = None
    points: list[Point] = []


class RequirementList(Item):
    """一组要求：讲话的四点意见、推进会的五点要求、三严三实、六个不放过、五个实等。"""

    title: Text
    doc: Id = Field(description="这组要求出自哪篇文档")
    intro: Text | None = None
    items: list[Requirement] = Field(min_length=1)


class RequirementsFile(Strict):
    lists: list[RequirementList] = Field(min_length=1)


# ---- phases ------------------------------------------------------------------------------


class Phase(Item):
    """教育实践活动的一个环节。每个环节自动生成自己的页面 phases/<id>/。"""

    order: int = Field(ge=1)
    label: Text = Field(description="原文对环节的称呼，例如 第一环节")
    name: Text = Field(description="环节名称，例如 查摆问题、开展批评")
    summary: Text
    tasks: list[Point] = []
    outputs: list[Point] = Field(default=[], description="要求的成果或活动，例如 对照检查材料、民主生活会")
    rules: list[Id] = Field(default=[], description="适用的要求组 id，见 data/requirements.yml")

    # The one rule for a phase's name, wherever it is shown.
    @property
    def title(self) -> str:
        return f"{self.label}：{self.name}" if self.label != self.name else self.name

    @property
    def short_title(self) -> str:
        return self.label if self.label != self.name else self.name


class PhasesFile(Strict):
    phases: list[Phase] = Field(min_length=1)


# ---- problems ----------------------------------------------------------------------------


class Problem(Item):
    title: Text
    text: Text | None = None


class ProblemGroup(Item):
    title: Text
    intro: Text | None = None
    problems: list[Problem] = Field(min_length=1)


class ProblemsFile(Strict):
    groups: list[ProblemGroup] = Field(min_length=1)


# ---- organisation ------------------------------------------------------------------------


class Body(Item):
    """一个机构或角色及其职责。"""

    name: Text
    role: Text | None = Field(default=None, description="定位，例如 第一责任人")
    summary: Text
    duties: list[Point] = []


class OrganisationFile(Strict):
    intro: Point
    bodies: list[Body] = Field(min_length=1)


# ---- events ------------------------------------------------------------------------------

DATE_RE = re.compile(r"^(\d{1,2})月(\d{1,2})日")


class Event(Item):
    """原文中写明日期的一件事。日期照原文写，不补年份。"""

    date: Text = Field(description="照原文写的日期，例如 3月17日至18日")
    doc: Id = Field(description="这件事出自哪篇文档；不同文档的事件不合并")
    title: Text
    text: Text | None = None

    @field_validator("date")
    @classmethod
    def _date_has_month_day(cls, v: str) -> str:
        if not DATE_RE.match(v):
            raise ValueError("日期应以“X月Y日”开头，例如 5月23日")
        return v

    @property
    def sort_key(self) -> tuple[int, int]:
        m = DATE_RE.match(self.date)
        assert m  # guaranteed by the validator
        return int(m.group(1)), int(m.group(2))


class EventsFile(Strict):
    events: list[Event] = Field(min_length=1)


# ---- glossary ----------------------------------------------------------------------------


class Term(Strict):
    """术语。basis: source 表示释义出自原文（须有 sources）；general 表示通用常识释义。"""

    id: Id
    term: Text
    aliases: list[Text] = []
    pinyin: Text | None = Field(default=None, description="可选：排序用拼音，不填则自动生成")
    definition: Text
    basis: Literal["source", "general"] = "source"
    sources: list[SourceRef] = Field(default=[], description="出处；basis 为 source 时至少一处")
    related: list[Id] = Field(default=[], description="相关术语 id")


class GlossaryFile(Strict):
    terms: list[Term] = Field(min_length=1)


# ---- faq ---------------------------------------------------------------------------------


class Question(Item):
    q: Text = Field(description="问题，用读者会问的话")
    a: Text = Field(description="回答（Markdown），只用原文内容")
    related: list[Id] = Field(default=[], description="相关问题 id")


class FaqGroup(Strict):
    id: Id
    title: Text
    questions: list[Question] = Field(min_length=1)


class FaqFile(Strict):
    groups: list[FaqGroup] = Field(min_length=1)



# ---- quiz --------------------------------------------------------------------------------


class Choice(Strict):
    """选择题的一个选项。"""

    text: Text = Field(description="选项文字。正确选项的文字必须逐字出现在所引段落中")
    correct: bool = Field(default=False, description="是否为正确选项")


class QuizQuestion(Strict):
    """自测题。single 单选、multiple 多选、truefalse 判断、fill 填空。"""

    id: Id
    type: Literal["single", "multiple", "truefalse", "fill"] = Field(
        description="题型：single 单选、multiple 多选、truefalse 判断、fill 填空")
    section: Id = Field(description="所属栏目，例如 principles、phases、requirements、problems、organisation、background")
    q: Text = Field(description="题干。填空题用 ____（四个下划线）标出空格，只留一个空")
    choices: list[Choice] = Field(default=[], description="选择题的选项（单选恰有一个正确，多选至少两个正确）")
    answer: bool | Text | None = Field(
        default=None, description="判断题写 true（说法正确）或 false；填空题写应填的文字（须逐字出现在所引段落中）")
    accept: list[Text] = Field(default=[], description="填空题的其他可接受写法（同样须出现在所引段落中）")
    explanation: Text = Field(description="解析：为什么这样答，只用原文内容")
    sources: Annotated[list[SourceRef], Field(
        min_length=1, description="出处，至少一处，且都出自同一篇文档；判断题至少一处带逐字引文")]


class QuizFile(Strict):
    questions: list[QuizQuestion] = Field(min_length=1)

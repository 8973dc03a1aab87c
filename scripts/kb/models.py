"""Typed content models: one pydantic model per YAML file in data/.

This module knows nothing about MkDocs. Field docstrings (the `description`s)
are in Chinese because editors see them as hints in their editor through the
generated JSON Schemas in data/schemas/.
"""
from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from .textpolicy import ID, PLAIN, RICH, TextKind

# Stable ids become URL anchors: lower-case ASCII words joined by hyphens.
Id = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"),
    Field(description="稳定的标识：小写英文字母、数字和连字符，例如 lead-by-example。发布后不要再改，链接依赖它。"),
    TextKind(ID),
]
# Every string field is one of the kinds of macros/textpolicy.py, declared here with its type:
# Text is plain text (shown exactly as typed), RichText the small Markdown subset.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), TextKind(PLAIN),
                 Field(json_schema_extra={"x-kb-format": "纯文本：按原样显示，不解释 Markdown 或 HTML"})]
RichText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), TextKind(RICH),
                     Field(json_schema_extra={"x-kb-format": "简单格式：**加粗**、*强调*、列表、分段、[站内链接](faq.md#id)；不能写 HTML"})]


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
    doc: Id | None = Field(default=None, description="可选：这条要点出自哪篇文档；条目本身不属于单一文档时必填，出处只能引这篇文档")
    text: RichText | None = Field(default=None, description="要点正文（简单格式）")
    sources: Sources


class Item(Strict):
    id: Id
    sources: Sources


# ---- documents ---------------------------------------------------------------------------


class Blank(Strict):
    """原文中的一处空缺（例如人名被删去）。照原样显示，绝不补全。"""

    para: int = Field(ge=1, description="空缺所在的段落号")
    passage: Text = Field(description="含空缺的原文片段，逐字照抄，例如 以同志为的党中央")
    note: Text = Field(description="给读者的说明，例如 原文此处人名空缺")
    retold_if: list[Text] = Field(default=[], description="条目文字里出现这些说法，就算转述了这句话，必须照原样写出 passage")


class Document(Strict):
    """一篇源文档。段落来自 data/sources/ 下的同名文本文件，每个非空行为一段。"""

    id: Id
    file: Text = Field(description="data/sources/ 下的文件名")
    title: Text
    short_title: Text = Field(description="引用时显示的简称，例如 领导讲话稿")
    kind: Text = Field(description="文种，例如 讲话稿、新闻报道")
    date: Text | None = Field(default=None, description="文中明确写出的日期；文中没有就不填")
    date_label: Text | None = Field(default=None, description="这个日期是什么的日期，例如 会议召开日期；文档本身未署日期时必须说明")
    summary: RichText = Field(description="一两句话的内容概述")
    sources: Sources | None = None
    blanks: list[Blank] = Field(default=[], description="原文中的空缺，照原样显示，不补全")


class DocumentsFile(Strict):
    documents: list[Document] = Field(min_length=1)


# ---- principles --------------------------------------------------------------------------


class Principle(Item):
    """六个基本原则之一。"""

    number: int = Field(ge=1, description="序号：一是 = 1")
    doc: Id = Field(description="出自哪篇文档，出处只能引这篇文档")
    title: Text = Field(description="原则名称，例如 坚持领导带头，层层示范")
    explanation: RichText = Field(description="原则的阐述，尽量用原文")
    points: list[Point] = []


class PrinciplesFile(Strict):
    intro: Point
    principles: list[Principle] = Field(min_length=1)


# ---- requirements ------------------------------------------------------------------------


class Requirement(Item):
    number: Text | None = Field(default=None, description="原文中的序号，例如 一、(一)、一是")
    title: Text
    text: RichText | None = None
    points: list[Point] = []


class RequirementList(Item):
    """一组要求：讲话的四点意见、推进会的五点要求、三严三实、六个不放过、五个实等。"""

    title: Text
    doc: Id = Field(description="这组要求出自哪篇文档")
    intro: RichText | None = None
    items: list[Requirement] = Field(min_length=1)


class RequirementsFile(Strict):
    lists: list[RequirementList] = Field(min_length=1)


# ---- phases ------------------------------------------------------------------------------


class Phase(Item):
    """教育实践活动的一个环节。每个环节自动生成自己的页面 phases/<id>/。"""

    order: int = Field(ge=1)
    doc: Id | None = Field(default=None, description="出自哪篇文档；两篇文档都谈到时不填，并给每条要点填 doc")
    label: Text = Field(description="原文对环节的称呼，例如 第一环节；原文没有称为环节的，与 name 相同")
    name: Text = Field(description="环节名称，例如 查摆问题、开展批评")
    summary: RichText
    tasks: list[Point] = []
    outputs: list[Point] = Field(default=[], description="要求的成果或活动，例如 对照检查材料、民主生活会")
    rules: list[Id] = Field(default=[], description="适用的要求组 id，见 data/requirements.yml")

    @property
    def numbered(self) -> bool:
        """Only what a text itself calls 第…环节 is counted and navigated as a 环节."""
        return self.label != self.name
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
    text: RichText | None = None


class ProblemGroup(Item):
    title: Text
    doc: Id = Field(description="这组问题出自哪篇文档，出处只能引这篇文档")
    intro: RichText | None = None
    problems: list[Problem] = Field(min_length=1)


class ProblemsFile(Strict):
    groups: list[ProblemGroup] = Field(min_length=1)


# ---- organisation ------------------------------------------------------------------------


class Body(Item):
    """一个机构或角色及其职责。"""

    name: Text
    doc: Id = Field(description="这个机构或角色出自哪篇文档；职责只能引这篇文档")
    counterpart: Id | None = Field(default=None, description="可选：另一篇文档中说的同名机构的条目 id，两条并排显示，不合并")
    role: Text | None = Field(default=None, description="定位，例如 第一责任人")
    summary: RichText
    duties: list[Point] = []
    duties_title: Text = Field(default="职责", description="duties 的小标题；原文写的不是职责而是做了什么时，改写如 报道中的有关内容")


class Person(Item):
    """原文提到的一个人：只写原文写明的姓名和职务。"""

    name: Text = Field(description="照原文写的称呼，例如 丁伟明、衡松同志")
    doc: Id = Field(description="出自哪篇文档；不同文档中的人不合并")
    role: Text | None = Field(default=None, description="原文写明的职务")
    text: RichText | None = Field(default=None, description="原文中他做了什么、说了什么（简单格式）")


class OrganisationFile(Strict):
    intro: Point
    bodies: list[Body] = Field(min_length=1)
    people: list[Person] = Field(default=[], description="原文提到的人，按文档分开")


# ---- events ------------------------------------------------------------------------------

DATE_RE = re.compile(r"^(\d{1,2})月(\d{1,2})日")


class Event(Item):
    """原文中写明日期的一件事。日期照原文写，不补年份。"""

    date: Text = Field(description="照原文写的日期，例如 3月17日至18日")
    doc: Id = Field(description="这件事出自哪篇文档；不同文档的事件不合并")
    title: Text
    text: RichText | None = None

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


class Sense(Strict):
    """术语在一篇文档中的说法。两篇文档都说到同一个词时，各写一条，并排显示，不合并。"""

    doc: Id = Field(description="这条说法出自哪篇文档，出处只能引这篇文档")
    aliases: list[Text] = Field(default=[], description="这篇文档对同一事物的其他写法")
    definition: RichText
    sources: Sources


class Term(Strict):
    """术语。basis: source 表示释义出自原文（须有 sources）；general 表示通用常识释义。"""

    id: Id
    term: Text
    doc: Id | None = Field(default=None, description="释义出自原文时：出自哪篇文档；两篇都说到时不填，改写 senses")
    aliases: list[Text] = Field(default=[], description="同一文档对同一事物的其他写法（必须在该文档中出现）")
    pinyin: Text | None = Field(default=None, description="可选：排序用拼音，不填则自动生成")
    definition: RichText | None = Field(default=None, description="释义（简单格式）；写了 senses 时可不填")
    senses: list[Sense] = Field(default=[], description="两篇文档各自的说法，分开写、并排显示")
    basis: Annotated[Literal["source", "general"], TextKind(ID)] = "source"
    sources: list[SourceRef] = Field(default=[], description="出处；basis 为 source 时至少一处")
    related: list[Id] = Field(default=[], description="相关术语 id")


class GlossaryFile(Strict):
    terms: list[Term] = Field(min_length=1)


# ---- faq ---------------------------------------------------------------------------------


class Question(Item):
    q: Text = Field(description="问题，用读者会问的话")
    a: RichText = Field(description="回答（简单格式），只用原文内容")
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
    type: Annotated[Literal["single", "multiple", "truefalse", "fill"], TextKind(ID)] = Field(
        description="题型：single 单选、multiple 多选、truefalse 判断、fill 填空")
    section: Id = Field(description="所属栏目，例如 principles、phases、requirements、problems、organisation、background")
    q: Text = Field(description="题干。填空题用 ____（四个下划线）标出空格，只留一个空")
    choices: list[Choice] = Field(default=[], description="选择题的选项（单选恰有一个正确，多选至少两个正确）")
    answer: bool | Text | None = Field(
        default=None, description="判断题写 true（说法正确）或 false；填空题写应填的文字（须逐字出现在所引段落中）")
    accept: list[Text] = Field(default=[], description="填空题的其他可接受写法（同样须出现在所引段落中）")
    explanation: Text = Field(description="解析：为什么这样答，只用原文内容")
    sources: Annotated[list[SourceRef], Field(
        min_length=1, description="出处，至少一处，都出自同一篇文档，每处都带逐字引文（quote）")]


class QuizFile(Strict):
    questions: list[QuizQuestion] = Field(min_length=1)

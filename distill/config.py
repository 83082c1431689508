"""Training hyper-parameters: dataclass defaults, then a YAML file, then keyword arguments; plus LoRA specs."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_type_hints

from hardgen.core.errors import HardgenError, unknown_name_error


@dataclass(frozen=True)
class LoraSpec:
    """A PEFT LoRA adapter: rank, scaling, dropout and the modules it wraps ("all-linear" or a list of names)."""

    r: int = 8
    alpha: int = 16
    dropout: float = 0.0
    target_modules: str | tuple[str, ...] = "all-linear"

    def __post_init__(self) -> None:
        if self.r < 1 or self.alpha < 1:
            raise HardgenError(f"LoRA rank and alpha must be >= 1, got r={self.r}, alpha={self.alpha}")
        if not 0.0 <= self.dropout < 1.0:
            raise HardgenError(f"LoRA dropout must be in [0, 1), got {self.dropout}")

    @classmethod
    def parse(cls, value: "LoraSpec | dict | str | bool | None") -> "LoraSpec | None":
        """None/False -> full fine-tuning; True -> defaults; "r=16,alpha=32" or a dict -> those values."""
        if value is None or value is False:
            return None
        if isinstance(value, LoraSpec):
            return value
        if value is True:
            return cls()
        if isinstance(value, str):
            if value.strip().lower() in ("", "none", "false", "off"):
                return None
            if value.strip().lower() in ("true", "on", "default"):
                return cls()
            items: dict[str, Any] = {}
            for part in value.split(","):
                name, eq, v = part.partition("=")
                if not eq:
                    raise HardgenError(f"LoRA spec {value!r} must look like r=8,alpha=16,dropout=0.05")
                items[name.strip()] = v.strip()
            value = items
        if not isinstance(value, dict):
            raise HardgenError(f"LoRA spec must be a mapping or text like r=8,alpha=16, got {value!r}")
        known = {f.name for f in dataclasses.fields(cls)}
        out: dict[str, Any] = {}
        for k, v in value.items():
            if k not in known:
                raise unknown_name_error("LoRA option", k, sorted(known))
            if k in ("r", "alpha"):
                out[k] = int(v)
            elif k == "dropout":
                out[k] = float(v)
            else:
                out[k] = v if isinstance(v, str) and v == "all-linear" else tuple(
                    v.split("+") if isinstance(v, str) else v)
        return cls(**out)

    def peft_config(self):
        from peft import LoraConfig

        targets = self.target_modules if isinstance(self.target_modules, str) else list(self.target_modules)
        return LoraConfig(r=self.r, lora_alpha=self.alpha, lora_dropout=self.dropout, target_modules=targets,
                          task_type="CAUSAL_LM")


def read_yaml(path: str | os.PathLike) -> dict:
    """A YAML mapping of hyper-parameters; a clear error for a missing or malformed file."""
    import yaml

    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text())
    except OSError as e:
        raise HardgenError(f"cannot read config {p}: {e.strerror or e}") from None
    except yaml.YAMLError as e:
        raise HardgenError(f"config {p} is not valid YAML: {e}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise HardgenError(f"config {p} must be a mapping of name: value, got {type(data).__name__}")
    return data


def resolve(cls: type, config_yaml: str | os.PathLike | None, overrides: dict[str, Any], section: str | None = None):
    """Build `cls` (a dataclass of hyper-parameters): defaults < YAML file (or its `section`) < non-None kwargs."""
    values: dict[str, Any] = {}
    if config_yaml is not None:
        data = read_yaml(config_yaml)
        if section is not None and isinstance(data.get(section), dict):
            data = data[section]
        values.update(data)
    values.update({k: v for k, v in overrides.items() if v is not None})
    hints = get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    parsed: dict[str, Any] = {}
    for k, v in values.items():
        if k not in names:
            raise unknown_name_error("hyper-parameter", k, names)
        typ = hints[k]
        try:
            if typ is int and not isinstance(v, bool):
                v = int(v)
            elif typ is float:
                v = float(v)
            elif typ is bool and isinstance(v, str):
                v = v.lower() in ("1", "true", "yes", "on")
        except (TypeError, ValueError):
            raise HardgenError(f"hyper-parameter {k!r} must be {getattr(typ, '__name__', typ)}, got {v!r}") from None
        parsed[k] = v
    if "lora" in parsed:
        parsed["lora"] = LoraSpec.parse(parsed["lora"])
    return cls(**parsed)


def as_dict(cfg: Any) -> dict:
    """A JSON-friendly dict of a resolved config (LoRA spec included)."""
    out = {}
    for f in dataclasses.fields(cfg):
        v = getattr(cfg, f.name)
        out[f.name] = dataclasses.asdict(v) if dataclasses.is_dataclass(v) else v
    return out


def last_checkpoint(checkpoints: Path) -> str | None:
    """The newest complete `checkpoint-N` directory under `checkpoints`, or None."""
    if not checkpoints.is_dir():
        return None
    found = []
    for d in checkpoints.iterdir():
        if d.is_dir() and d.name.startswith("checkpoint-") and d.name.split("-")[-1].isdigit():
            if (d / "trainer_state.json").exists():  # a checkpoint killed mid-save lacks it: skip
                found.append((int(d.name.split("-")[-1]), d))
    return str(max(found)[1]) if found else None


def check_student(student: str | os.PathLike, need_chat_template: bool = True):
    """Load the student's tokenizer with clear errors: a missing path, no chat template, no pad/eos token."""
    from transformers import AutoTokenizer

    p = Path(student).expanduser()
    if not p.exists():
        raise HardgenError(f"student model path {str(student)!r} does not exist (build a tiny one with "
                           "hardgen.models.tiny.build_tiny_model or `gen model tiny -o DIR`)")
    try:
        tok = AutoTokenizer.from_pretrained(str(p))
    except (OSError, ValueError) as e:
        raise HardgenError(f"cannot load the tokenizer of student {str(student)!r}: {e}") from None
    if need_chat_template and not getattr(tok, "chat_template", None):
        raise HardgenError(f"the tokenizer of student {str(student)!r} has no chat template; conversational "
                           "training needs one (set tokenizer.chat_template and save it)")
    if tok.pad_token is None:
        if tok.eos_token is None:
            raise HardgenError(f"the tokenizer of student {str(student)!r} has neither a pad nor an eos token")
        tok.pad_token = tok.eos_token
    return tok

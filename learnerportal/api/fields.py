"""Serializer fields that take JSON types at their word (text is a string, a yes/no a boolean), and bounded lists."""

import datetime
import re

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


class StrictCharField(serializers.CharField):
    """Text only: a number or a boolean is refused rather than turned into text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A JSON boolean only (``true``/``false``), never "yes", 1 or the string "true".

    So that nobody agrees to something by accident. (The API takes booleans only
    in JSON bodies; its one multipart body, a photo, has none.)
    """

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        self.fail("invalid", input=data)


class StrictDateField(serializers.DateField):
    """An ISO 8601 date, or JSON ``null`` where allowed; an empty form value is not a date."""

    default_error_messages = {"impossible": "There is no such date (YYYY-MM-DD)."}

    def get_value(self, dictionary):
        return dictionary.get(self.field_name, serializers.empty)

    def to_internal_value(self, value):
        if isinstance(value, str) and not value.isascii():
            self.fail("invalid", format="YYYY-MM-DD")  # DRF would read "１９９０" (full-width digits) as 1990
        # DRF says "wrong format" for 1990-02-30 too, whose format is right.
        if isinstance(value, str) and ISO_DATE.fullmatch(value):
            try:
                datetime.date.fromisoformat(value)
            except ValueError:
                self.fail("impossible")
        return super().to_internal_value(value)


class BoundedListField(serializers.ListField):
    """A list of at most ``max_length`` items (required), refused for its length before any item is read.

    SECURITY: DRF's ``ListField`` checks ``max_length`` only after validating every
    item, so 600,000 items took 15 s of CPU and were answered with an error per item.
    """

    def __init__(self, *, max_length, **kwargs):
        super().__init__(max_length=max_length, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, list) and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class BoundedDictField(serializers.DictField):
    """An object of at most ``max_length`` keys (required), refused for its size before any value is read.

    SECURITY: DRF's ``DictField`` has no limit at all (see ``BoundedListField``).
    The schema says ``maxProperties`` (``BoundedDictFieldExtension``).
    """

    default_error_messages = {"max_length": "Ensure this object has no more than {max_length} keys."}

    def __init__(self, *, max_length, **kwargs):
        self.max_length = max_length
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, dict) and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class BoundedDictFieldExtension(OpenApiSerializerFieldExtension):
    """Document a ``BoundedDictField``'s limit in the OpenAPI schema, as ``maxProperties``."""

    target_class = BoundedDictField

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        return {**schema, "maxProperties": self.target.max_length}

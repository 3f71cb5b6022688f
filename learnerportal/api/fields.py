"""Serializer fields that take JSON types at their word: text is a string, a yes/no is a boolean."""

import datetime
import re

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

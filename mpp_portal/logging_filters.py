"""Mask personal data (NIK, phone numbers) in every log line."""

import logging
import re

# A 16-digit NIK, or an Indonesian phone number (+62/62/0 then 8-13 digits).
NIK_RE = re.compile(r"(?<!\d)(\d{4})\d{8}(\d{4})(?!\d)")
PHONE_RE = re.compile(r"(?<![\d])((?:\+?62|0)8\d)\d{4,9}(\d{2})(?!\d)")


def mask_text(text):
    text = NIK_RE.sub(r"\1********\2", text)
    return PHONE_RE.sub(r"\1******\2", text)


class MaskPersonalData(logging.Filter):
    def filter(self, record):
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg = masked
            record.args = ()
        return True

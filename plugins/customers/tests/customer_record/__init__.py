"""Tests of the customer record: categories, custom fields, contacts, notes, attachments,
transactions, search, import/export, handover, pages."""

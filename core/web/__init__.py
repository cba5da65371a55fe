"""The web UI shell: layout, navigation, list/record/form pages generated from schemas."""

"""Organizing bodies (主办单位) and units (工作单位/学校)."""

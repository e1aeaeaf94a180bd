"""The dashboard's dialogs: each a `Dialog[T]` (base.py) dismissed with a typed answer.

add_tasks.py (track IDs), label.py, confirm.py, new_job.py (a new job of any kind, with
imagine.py and its fields in imagine_form.py), animate.py (a video from a picture),
modal_input.py (a MODAL answer) with mask_editor.py (the Vary (Region) mask),
actions_menu.py (every button of a task). Nothing is re-exported here: the dashboard
imports a dialog only when it opens one, so start-up does not pay for them all.
"""

"""Pictures of finished tasks: guarded download, disk cache (LRU), decode, scaling to a pane
of cells, saving originals. `cache` fetches and keeps them, `scale` crops and scales, `save`
writes originals to a folder; `uploads` turns local image files into URLs for new jobs
(checked, uploaded once). No Textual here.
"""

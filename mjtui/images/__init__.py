"""Pictures of finished tasks: guarded download, disk cache (LRU), decode, scaling to a pane
of cells, saving originals. `cache` fetches and keeps them, `scale` crops and scales, `save`
writes originals to a folder; `uploads` turns local image files into URLs for new jobs
(checked, uploaded once); `mask`, `mask_picture` and `mask_draft` make Vary (Region)
masks over a picture. No Textual here.
"""

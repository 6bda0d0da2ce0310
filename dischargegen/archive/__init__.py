"""The post-processing stage: the laid-out PDF made archival and accessible (PDF/A, PDF/UA).

ReportLab writes neither: :func:`.finish.finish` opens its PDF with pikepdf (qpdf) and adds what
the profile (:class:`dischargegen.model.PdfProfile`) claims: the sRGB output intent
(:mod:`.color`), the XMP metadata that declares the conformance (:mod:`.metadata`), the
structure tree that the layout marked while drawing (:mod:`.structure`), and the fixes of what
ReportLab writes that PDF/A forbids. pikepdf is imported only here, and this package only when a
profile other than ``plain`` is used.
"""

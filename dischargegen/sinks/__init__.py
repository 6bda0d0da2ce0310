"""Where handouts go: files, the printer, and the documents written back to the record."""

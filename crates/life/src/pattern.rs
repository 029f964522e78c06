//! Pattern formats (RLE, plaintext) and the named pattern library.

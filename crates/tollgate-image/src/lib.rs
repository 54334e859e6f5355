//! Image sources and streamed layer walking.

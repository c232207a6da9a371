"""Images for the Docker platform: build contexts hashed by content, a host-built wheelhouse,
an offline base image made with debootstrap, and the builder that ties them together."""

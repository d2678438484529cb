build-fmt/hv/vdev/virtqueue.o: vdev/virtqueue.c vdev/virtqueue.h \
 lib/string.h
vdev/virtqueue.h:
lib/string.h:

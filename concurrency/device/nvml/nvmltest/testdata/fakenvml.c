/*
 * A fake libnvidia-ml.so.1 for the tests of package nvml and package device:
 * two GPUs behind the nine functions masx binds, with nvml.h's signatures.
 * nvmltest.Build compiles it with the C compiler, as in
 *
 *   cc -shared -fPIC -o libnvidia-ml.so.1 fakenvml.c
 *
 * Variants, chosen with -D:
 *   FAKE_INIT_RET=n   nvmlInit_v2 returns n (9 is NVML_ERROR_DRIVER_NOT_LOADED)
 *   FAKE_NO_NAME      the library lacks nvmlDeviceGetName
 *   FAKE_LOST=i       device i answers every query with NVML_ERROR_GPU_IS_LOST
 */
#include <string.h>

#ifndef FAKE_INIT_RET
#define FAKE_INIT_RET 0
#endif
#ifndef FAKE_LOST
#define FAKE_LOST -1
#endif

enum {
	SUCCESS = 0,
	ERROR_UNINITIALIZED = 1,
	ERROR_INVALID_ARGUMENT = 2,
	ERROR_INSUFFICIENT_SIZE = 7,
	ERROR_GPU_IS_LOST = 15,
};

typedef struct {
	unsigned long long total, free, used;
} memory;

typedef struct {
	int index;
	const char *name;
	unsigned long long memory;
	int major, minor;
} fake_device;

static fake_device devices[] = {
	{0, "NVIDIA H100 80GB HBM3", 85520809984ULL, 9, 0},
	{1, "NVIDIA A10", 24146608128ULL, 8, 6},
};

static int initialised;

static int copy(char *buf, unsigned int length, const char *s) {
	if (buf == NULL || strlen(s) + 1 > length)
		return ERROR_INSUFFICIENT_SIZE;
	strcpy(buf, s);
	return SUCCESS;
}

static int check(const fake_device *d) {
	if (!initialised)
		return ERROR_UNINITIALIZED;
	if (d != &devices[0] && d != &devices[1])
		return ERROR_INVALID_ARGUMENT;
	if (d->index == FAKE_LOST)
		return ERROR_GPU_IS_LOST;
	return SUCCESS;
}

int nvmlInit_v2(void) {
	if (FAKE_INIT_RET == SUCCESS)
		initialised++;
	return FAKE_INIT_RET;
}

int nvmlShutdown(void) {
	if (!initialised)
		return ERROR_UNINITIALIZED;
	initialised--;
	return SUCCESS;
}

int nvmlSystemGetDriverVersion(char *version, unsigned int length) {
	if (!initialised)
		return ERROR_UNINITIALIZED;
	return copy(version, length, "550.54.15");
}

int nvmlSystemGetCudaDriverVersion(int *version) {
	if (!initialised)
		return ERROR_UNINITIALIZED;
	*version = 12040;
	return SUCCESS;
}

int nvmlDeviceGetCount_v2(unsigned int *count) {
	if (!initialised)
		return ERROR_UNINITIALIZED;
	*count = 2;
	return SUCCESS;
}

int nvmlDeviceGetHandleByIndex_v2(unsigned int index, fake_device **device) {
	if (!initialised)
		return ERROR_UNINITIALIZED;
	if (index >= 2)
		return ERROR_INVALID_ARGUMENT;
	*device = &devices[index];
	return SUCCESS;
}

#ifndef FAKE_NO_NAME
int nvmlDeviceGetName(fake_device *device, char *name, unsigned int length) {
	int ret = check(device);
	if (ret != SUCCESS)
		return ret;
	return copy(name, length, device->name);
}
#endif

int nvmlDeviceGetMemoryInfo(fake_device *device, memory *m) {
	int ret = check(device);
	if (ret != SUCCESS)
		return ret;
	m->total = device->memory;
	m->free = device->memory - 1024;
	m->used = 1024;
	return SUCCESS;
}

int nvmlDeviceGetCudaComputeCapability(fake_device *device, int *major, int *minor) {
	int ret = check(device);
	if (ret != SUCCESS)
		return ret;
	*major = device->major;
	*minor = device->minor;
	return SUCCESS;
}

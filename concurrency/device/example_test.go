package device_test

import (
	"errors"
	"fmt"

	"github.com/masx-ai/masx/concurrency/device"
)

// The usual start-up: detect once with the user's options, and hand the
// Config to whatever loads models.
func ExampleDetect() {
	dev, err := device.Detect(device.Options{ForceCPU: true})
	if errors.Is(err, device.ErrForcedGPUUnavailable) {
		fmt.Println("a GPU is required but there is none:", err)
		return
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(dev.UseGPU(), dev.Type, dev.Reason)
	// Output: false cpu forced to the CPU
}

// Without ForceCPU the answer depends on the machine; Reason says why.
func ExampleConfig_UseGPU() {
	dev, err := device.Detect(device.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	if dev.UseGPU() {
		fmt.Printf("GPU %d: %s, %d GiB, compute %s\n", dev.ID, dev.Name, dev.TotalMemoryBytes>>30, dev.ComputeCapability)
	} else {
		fmt.Println("CPU:", dev.Reason)
	}
}

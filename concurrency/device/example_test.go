package device_test

import (
	"errors"
	"fmt"

	"github.com/masx-ai/masx/concurrency/device"
	"github.com/masx-ai/masx/config"
)

// The usual start-up: take the options from the settings, detect once, and
// hand the Config to whatever loads models.
func ExampleDetect() {
	s := config.Defaults()
	s.ForceCPU = true // MASX_FORCE_CPU=1

	dev, err := device.Detect(device.OptionsFrom(s))
	if errors.Is(err, device.ErrForcedGPUUnavailable) {
		fmt.Println("MASX_FORCE_GPU is set but there is no GPU:", err)
		return
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(dev.UseGPU(), dev.Type, dev.Reason)
	// Output: false cpu MASX_FORCE_CPU=1
}

// Without MASX_FORCE_CPU the answer depends on the machine; Reason says why.
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

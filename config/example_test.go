package config_test

import (
	"fmt"

	"github.com/masx-ai/masx/config"
)

func ExampleLoad() {
	env := map[string]string{"BATCH_SIZE": "64"}
	s, err := config.Load(config.Options{
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		Flags:     map[string]string{"MAX_PROCS": "2"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.BatchSize, s.Source("BATCH_SIZE"))
	fmt.Println(s.MaxProcs, s.Source("MAX_PROCS"))
	fmt.Println(s.MaxThreads, s.Source("MAX_THREADS"))
	// Output:
	// 64 env
	// 2 flag
	// 20 default
}

func ExampleLoad_invalid() {
	_, err := config.Load(config.Options{
		LookupEnv: func(k string) (string, bool) {
			if k == "BATCH_SIZE" {
				return "lots", true
			}
			return "", false
		},
	})
	fmt.Println(err)
	// Output:
	// setting BATCH_SIZE="lots" (from env): want a whole number
}

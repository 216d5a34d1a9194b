import { createApp } from 'vue';
import { createPinia } from 'pinia';
import AppShell from './AppShell.vue';

createApp(AppShell).use(createPinia()).mount('#app');
